import assert from "node:assert/strict";
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { HostileWorld, NEEDS_ROOT, Victim, runDaemonToExit } from "../helpers/hostile-user.js";
import { waitFor } from "../helpers/wait-for.js";

// The daemon wrote each service's PID into `pids/.NAME.pid.spare` by opening whatever was at
// that path: a symlink another user had planted there made a root daemon overwrite a
// root-owned 0600 file with the PID. What must never happen again: the spare (or any PID
// file) is opened through a symlink. In a dir another user controls the daemon does not start
// at all; in its own dir a symlink found at the spare's place is refused with an event naming
// it, and the file it points to stays untouched.
describe("the spare PID file is never written through a symlink", { skip: NEEDS_ROOT }, () => {
  const world = new HostileWorld();
  const env = world.env;
  const newVictim = (): Victim => world.newVictim();
  const hostileDir = world.newPath();

  test("in a dir prepared by another user with a link at the spare: the daemon refuses the dir", async () => {
    const victim = newVictim();
    world.hostile.sh(
      `mkdir -m 0777 ${hostileDir} ${hostileDir}/pids && ln -s ${victim.path} ${hostileDir}/pids/.t.pid.spare` +
        ` && chmod 0777 ${hostileDir} ${hostileDir}/pids`,
    );
    const run = await runDaemonToExit(env.configFile, hostileDir, env.marker);
    assert.ok(victim.untouched(), `the root-owned file was written through the link:\n${run.output}`);
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, /is owned by upkeep-hostile-/);
  });

  test("in the daemon's own dir a link at the spare is refused with an event, not followed", async () => {
    const victim = newVictim();
    mkdirSync(join(env.stateDir, "pids"), { recursive: true, mode: 0o700 });
    symlinkSync(victim.path, join(env.stateDir, "pids", ".t.pid.spare"));
    await env.startDaemon();
    const event = await waitFor(
      async () => (await env.events("t")).find((e: { reason: string }) => /symlink/.test(e.reason)),
      { what: "an event about the symlink at the spare PID file" },
    );
    assert.match(event.reason, new RegExp(`${env.stateDir}/pids/\\.t\\.pid\\.spare is a symlink`));
    assert.ok(victim.untouched(), "the root-owned file must not be written through the link");
    assert.equal((await env.api("GET", "/api/v1/status")).status, 200, "the daemon keeps running");
  });
});
