import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, test } from "node:test";
import { FIXTURES, isAlive, TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

// Without cgroups, the only tie between a process and this state dir is UPKEEP_STATE_ID (with
// UPKEEP_SERVICE) in its environment (docs/security.md). A forking daemon whose master clears
// its environment loses that tie: after a daemon restart its record names a live process that
// nothing proves upkeep's. It is then left alone (never signalled); unless its pidfile ties it
// (written while it ran), its start refuses the pidfile's PID with the way out, `--force`,
// which takes it over.

describe("a forking master that cleared its environment, without cgroups", () => {
  let env: TestEnv;
  beforeEach(() => {
    process.env["UPKEEP_CGROUPS"] = "0"; // the daemon inherits it: services run without cgroups
    env = new TestEnv();
  });
  afterEach(async () => {
    delete process.env["UPKEEP_CGROUPS"];
    await env.teardown();
  });

  test("is not signalled after a daemon restart, is refused with --force as the way out, and --force takes it over", async () => {
    const pidfile = join(env.dir, "master.pid");
    env.writeConfig(`
services:
  master:
    type: forking
    command: [sh, -c, "env -i setsid sh -c 'echo $$ > ${pidfile}; exec {fixtures}/ticker {marker} 5' </dev/null >/dev/null 2>&1 &"]
    pidfile: ${pidfile}
    start_timeout: 10s
`);
    await env.startDaemon();
    const first = await env.waitForService("master", "running", "master running");
    assert.equal(first.pid, Number(readFileSync(pidfile, "utf8")));
    assert.doesNotMatch(readFileSync(`/proc/${first.pid}/environ`, "utf8"), /UPKEEP_STATE_ID/);
    await env.killDaemon();

    // The record is untied, and a pidfile ties only a process that was running when the file
    // was written (docs/identity.md): dated before the master began, it proves nothing either.
    const past = new Date(Date.now() - 3_600_000);
    utimesSync(pidfile, past, past);
    await env.startDaemon();
    const refused = await env.waitForService("master", "failed", "master refused");
    assert.match(refused.reason, /upkeep start master --force/);
    assert.ok(isAlive(first.pid), "the master was not signalled");
    const untied = (await env.events("master")).find((e) => e.details?.status === "untied");
    assert.ok(untied, "a stale event says the record could not be tied");
    assert.match(untied.reason, new RegExp(`PID ${first.pid} was not signalled`));

    const forced = env.cli("start", "master", "--force");
    assert.equal(forced.code, 0, forced.stdout + forced.stderr);
    const taken = await env.waitForService("master", "running", "master taken over");
    assert.equal(taken.pid, first.pid);
  });
  test(
    "a process another user planted with this state dir's id is neither adopted nor a reason not to start",
    { skip: process.getuid?.() !== 0 ? "needs root: the planted process must run as another user" : false },
    async () => {
      env.writeConfig(`
services:
  web:
    command: ["{fixtures}/ticker", "{marker}", "5"]
`);
      const stateId = createHash("sha256").update(env.stateDir).digest("hex").slice(0, 12);
      const planted = spawn(`${FIXTURES}/ticker`, [env.marker, "5"], {
        stdio: "ignore",
        uid: 65534,
        gid: 65534,
        env: { PATH: process.env["PATH"], UPKEEP_STATE_ID: stateId, UPKEEP_SERVICE: "web" },
      });
      await waitFor(() => isAlive(planted.pid!), { what: "the planted process" });
      await env.startDaemon();
      const web = await env.waitForService("web", "running", "web started");
      assert.notEqual(web.pid, planted.pid, "the planted process was not adopted");
      assert.ok(isAlive(planted.pid!), "nor signalled");
      planted.kill("SIGKILL");
      await waitFor(() => !isAlive(planted.pid!), { what: "the planted process to die" });
    },
  );
});
