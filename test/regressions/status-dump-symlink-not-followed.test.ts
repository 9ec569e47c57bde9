import assert from "node:assert/strict";
import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { HostileWorld, NEEDS_ROOT, Victim, spawnDaemon } from "../helpers/hostile-user.js";
import { waitFor } from "../helpers/wait-for.js";

// SIGUSR1's status dump was written to `status.txt.tmp-<daemon PID>`, a name anyone can guess,
// opened without O_EXCL or O_NOFOLLOW: a link planted there made a root daemon overwrite a
// root-owned 0600 file. What must never happen again: the dump (or any atomic write) goes
// through a file it did not create itself; and a dump that cannot be written is reported,
// never a crash of the daemon, and leaves no temp file behind.
describe("SIGUSR1's status dump never writes through a symlink", { skip: NEEDS_ROOT }, () => {
  const world = new HostileWorld();
  const env = world.env;
  const newVictim = (): Victim => world.newVictim();
  const hostileDir = world.newPath();

  test("in a dir prepared by another user: the daemon refuses it before any dump", async () => {
    const victim = newVictim();
    world.hostile.sh(`mkdir -m 0777 ${hostileDir} && chmod 0777 ${hostileDir}`);
    const child = spawnDaemon(env.configFile, hostileDir, env.marker);
    let output = "";
    child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    let code: number | null = null;
    exited.then((c) => (code = c)).catch(() => undefined);
    await waitFor(() => code !== null || output.includes("daemon running"), {
      what: "the daemon to refuse the dir or to run",
    });
    if (code === null) {
      // It accepted the dir: the attacker plants the link at the guessable temp name.
      world.hostile.sh(`ln -s ${victim.path} ${hostileDir}/status.txt.tmp-${child.pid}`);
      child.kill("SIGUSR1");
      await waitFor(() => output.includes("status written"), { what: "the status dump" });
      child.kill("SIGTERM");
    }
    await exited;
    assert.ok(victim.untouched(), `the dump overwrote the root-owned file:\n${output}`);
    assert.equal(code, 1, output);
  });

  test("in the daemon's own dir links at status.txt and its old temp name are not followed", async () => {
    const victim = newVictim();
    await env.startDaemon();
    const pid = env.daemon!.pid!;
    symlinkSync(victim.path, join(env.stateDir, `status.txt.tmp-${pid}`));
    symlinkSync(victim.path, join(env.stateDir, "status.txt"));
    env.daemon!.kill("SIGUSR1");
    await waitFor(() => env.daemonOutput.includes("status written to"), { what: "the status dump" });
    assert.ok(victim.untouched(), "the dump must not write through a link");
    assert.ok(lstatSync(join(env.stateDir, "status.txt")).isFile(), "status.txt is a file of its own");
    assert.match(readFileSync(join(env.stateDir, "status.txt"), "utf8"), /^upkeep daemon PID \d+/);
    rmSync(join(env.stateDir, `status.txt.tmp-${pid}`)); // the planted link, still unused
  });

  test("a dump that cannot be written is reported; the daemon keeps running and leaves no temp file", async () => {
    const status = join(env.stateDir, "status.txt");
    rmSync(status, { force: true });
    mkdirSync(join(status, "in-the-way"), { recursive: true }); // rename onto a non-empty dir fails
    const before = env.daemonOutput.length;
    env.daemon!.kill("SIGUSR1");
    await waitFor(() => /status dump not written to/.test(env.daemonOutput.slice(before)), {
      what: "the daemon to report the failed dump",
    });
    assert.equal((await env.api("GET", "/api/v1/status")).status, 200, "the daemon still answers");
    assert.deepEqual(
      readdirSync(env.stateDir).filter((name) => name.includes(".tmp")),
      [],
      "no temp file is left behind",
    );
  });
});
