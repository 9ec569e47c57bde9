import assert from "node:assert/strict";
import { chmodSync, chownSync, lstatSync, mkdirSync, readdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { HostileWorld, NEEDS_ROOT, Victim, runDaemonToExit } from "../helpers/hostile-user.js";

// A root daemon given a state dir under /tmp that another user had created beforehand used it
// as its own and followed every symlink in it: a root-owned 0600 file was overwritten through
// the links that user planted where upkeep's files go. What must never happen again: a state
// dir, logs/ or pids/ that is a symlink, owned by another user, or group/world-writable is
// used at all. The daemon refuses it (STATE_DIR_UNUSABLE, exit 1) naming the owner and mode
// and the fix, and writes nothing there.
describe("a state dir another user could tamper with is refused", { skip: NEEDS_ROOT }, () => {
  const world = new HostileWorld();
  const env = world.env;
  const newVictim = (): Victim => world.newVictim();
  const newPath = (): string => world.newPath();

  /** Paths under `dir` owned by root: what the daemon created there. */
  function rootOwned(dir: string): string[] {
    return readdirSync(dir, { recursive: true, encoding: "utf8" })
      .map((entry) => join(dir, entry))
      .filter((path) => lstatSync(path).uid === 0);
  }

  test("a dir owned by another user, full of links to a root file: refused, the file untouched", async () => {
    const victim = newVictim();
    const dir = newPath();
    world.hostile.sh(
      [
        `mkdir -m 0777 ${dir} ${dir}/pids ${dir}/logs`,
        `ln -s ${victim.path} ${dir}/pids/.t.pid.spare`,
        `ln -s ${victim.path} ${dir}/pids/t.pid`,
        `ln -s ${victim.path} ${dir}/logs/t.idx`,
        `ln -s ${victim.path} ${dir}/logs/t.out.log`,
        `ln -s ${victim.path} ${dir}/upkeep.pid`,
        `chmod 0777 ${dir} ${dir}/pids ${dir}/logs`,
      ].join(" && "),
    );
    const run = await runDaemonToExit(env.configFile, dir, env.marker);
    assert.equal(run.code, 1, `the daemon must refuse the dir:\n${run.output}`);
    assert.ok(victim.untouched(), "the root-owned file must not be written through a link");
    assert.match(
      run.output,
      new RegExp(`state dir ${dir} is owned by ${world.hostile.name} \\(uid ${world.hostile.uid}\\)`),
    );
    assert.match(run.output, /mode 0777/);
    assert.match(run.output, new RegExp(`hint: .*rm -rf ${dir}`));
    assert.match(run.output, new RegExp(`chown root: ${dir} && chmod 700 ${dir}`));
    assert.deepEqual(rootOwned(dir), [], "the daemon created nothing in the dir");
  });

  test("upkeep check with the daemon down does not read such a dir either: UNKNOWN, saying why", () => {
    const dir = newPath();
    world.hostile.sh(`mkdir -m 0777 ${dir} && chmod 0777 ${dir} && touch ${dir}/state.db`);
    const r = env.cli("--state-dir", dir, "check");
    assert.equal(r.code, 3, `${r.stdout}${r.stderr}`);
    assert.match(r.stdout, new RegExp(`UNKNOWN .*state dir ${dir} is owned by ${world.hostile.name}`));
  });

  test("a dir owned by another user, not writable by anyone else: still refused", async () => {
    const dir = newPath();
    world.hostile.sh(`mkdir -m 0755 ${dir}`);
    const run = await runDaemonToExit(env.configFile, dir, env.marker);
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, new RegExp(`owned by ${world.hostile.name} \\(uid ${world.hostile.uid}\\)`));
    assert.deepEqual(rootOwned(dir), []);
  });

  test("a state dir that is another user's symlink: refused, not followed", async () => {
    const target = newPath();
    const link = newPath();
    world.hostile.sh(`mkdir -m 0777 ${target} && ln -s ${target} ${link}`);
    const run = await runDaemonToExit(env.configFile, link, env.marker);
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, new RegExp(`state dir ${link} is a symlink \\(to ${target}\\)`));
    assert.deepEqual(rootOwned(target), []);
  });

  test("root's own dir with logs/ linked to another user's dir, or pids/ owned by them: refused", async () => {
    const victim = newVictim();
    const elsewhere = newPath();
    world.hostile.sh(`mkdir -m 0777 ${elsewhere} && ln -s ${victim.path} ${elsewhere}/t.idx`);
    const linked = join(env.dir, "linked");
    const owned = join(env.dir, "owned");
    mkdirSync(linked, { mode: 0o700 });
    symlinkSync(elsewhere, join(linked, "logs"));
    mkdirSync(owned, { mode: 0o700 });
    mkdirSync(join(owned, "pids"), { mode: 0o755 });
    chownSync(join(owned, "pids"), world.hostile.uid, world.hostile.gid);

    const viaLink = await runDaemonToExit(env.configFile, linked, env.marker);
    assert.equal(viaLink.code, 1, viaLink.output);
    assert.match(viaLink.output, new RegExp(`logs dir ${linked}/logs is a symlink`));
    assert.ok(victim.untouched());
    assert.deepEqual(rootOwned(elsewhere), []);

    const viaOwner = await runDaemonToExit(env.configFile, owned, env.marker);
    assert.equal(viaOwner.code, 1, viaOwner.output);
    assert.match(viaOwner.output, new RegExp(`pids dir ${owned}/pids is owned by ${world.hostile.name}`));
  });

  test("root's own dir left group/world-writable: refused with the chmod that fixes it", async () => {
    const dir = join(env.dir, "open");
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    const run = await runDaemonToExit(env.configFile, dir, env.marker);
    assert.equal(run.code, 1, run.output);
    assert.match(
      run.output,
      new RegExp(`state dir ${dir} is writable by its group and others \\(mode 0777\\)`),
    );
    assert.match(run.output, new RegExp(`chmod 700 ${dir}`));
  });
});
