import assert from "node:assert/strict";
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { HostileWorld, NEEDS_ROOT, Victim, runDaemonToExit } from "../helpers/hostile-user.js";

// Service output and index lines were appended to whatever `logs/NAME.out.log` and
// `logs/NAME.idx` named: symlinks another user had planted there made a root daemon append to
// a root-owned 0600 file. What must never happen again: a log, index or FIFO path in the
// state dir is opened through a symlink. In a dir another user controls the daemon does not
// start; in its own dir a link at a log file's place is refused with an error naming it.
describe("log files are never opened through a symlink", { skip: NEEDS_ROOT }, () => {
  const world = new HostileWorld();
  const env = world.env;
  const newVictim = (): Victim => world.newVictim();
  const hostileDir = world.newPath();

  test("in a dir prepared by another user with links at the log files: the daemon refuses the dir", async () => {
    const victim = newVictim();
    world.hostile.sh(
      `mkdir -m 0777 ${hostileDir} ${hostileDir}/logs && ln -s ${victim.path} ${hostileDir}/logs/t.idx` +
        ` && ln -s ${victim.path} ${hostileDir}/logs/t.out.log && chmod 0777 ${hostileDir} ${hostileDir}/logs`,
    );
    const run = await runDaemonToExit(env.configFile, hostileDir, env.marker);
    assert.ok(victim.untouched(), `output was appended to the root-owned file:\n${run.output}`);
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, /is owned by upkeep-hostile-/);
  });

  for (const file of ["t.idx", "t.out.log", "t.out.fifo"]) {
    test(`in the daemon's own dir a link at logs/${file} is refused with its name, not followed`, async () => {
      const victim = newVictim();
      const stateDir = join(env.dir, `own-${file}`);
      mkdirSync(join(stateDir, "logs"), { recursive: true, mode: 0o700 });
      symlinkSync(victim.path, join(stateDir, "logs", file));
      const run = await runDaemonToExit(env.configFile, stateDir, env.marker);
      assert.ok(victim.untouched(), `written through logs/${file}:\n${run.output}`);
      assert.equal(run.code, 1, run.output);
      assert.match(
        run.output,
        new RegExp(`${stateDir}/logs/${file.replaceAll(".", "\\.")} is (a symlink|not a FIFO)`),
      );
      assert.doesNotMatch(run.output, /internal error|a bug/);
    });
  }
});
