import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, test } from "node:test";
import { findPidsWithArg, isAlive, TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

// Without cgroups, a daemon whose store was deleted (or lost its WAL) while it ran, then died,
// was followed by one that started from an empty store and ran every service a second time
// beside the copy still running. What must never happen again: before such a start the daemon
// looks for processes carrying its state dir's id and the service's name; one main process is
// adopted, several are reported by PID and the start is refused until they are gone.

/** SIGKILL the daemon (services keep running) and delete its store with its WAL. */
async function loseStore(env: TestEnv): Promise<void> {
  await env.killDaemon();
  for (const suffix of ["", "-wal", "-shm"]) rmSync(join(env.stateDir, `state.db${suffix}`), { force: true });
}

/** The live processes of the test whose argv or environment names `needle`. */
function running(env: TestEnv, needle: string): number[] {
  return env.markedPids().filter((pid) => findPidsWithArg(needle).includes(pid));
}

describe("no duplicate after the store is lost, without cgroups", () => {
  let env: TestEnv;
  beforeEach(() => {
    process.env["UPKEEP_CGROUPS"] = "0"; // the daemon inherits it: services run without cgroups
    env = new TestEnv();
  });
  afterEach(async () => {
    delete process.env["UPKEEP_CGROUPS"];
    await env.teardown();
  });

  test("a service still running from this state dir is adopted, not started again", async () => {
    env.writeConfig(`
services:
  web:
    command: ["{fixtures}/ticker", "{marker}", "5", "web-copy"]
`);
    await env.startDaemon();
    const first = await env.waitForService("web", "running", "web running");
    await loseStore(env);

    await env.startDaemon();
    const again = await env.waitForService("web", "running", "web running after the store was lost");
    assert.equal(again.pid, first.pid, "the running process is adopted");
    assert.deepEqual(running(env, "web-copy"), [first.pid], "no second copy runs");
    const events = await env.events("web");
    assert.ok(
      events.some(
        (e) => e.kind === "stale" && e.details.status === "unrecorded" && e.details.adopted === first.pid,
      ),
      "an event says the unrecorded process was adopted",
    );
  });

  test("with no single main process to adopt, the start is refused naming the PIDs until they are gone", async () => {
    // The main process, and a child that left its tree (setsid, parent exited) but kept the
    // environment: two processes of web and neither the other's parent.
    env.writeConfig(`
services:
  web:
    command: [sh, -c, "(setsid {fixtures}/ticker {marker} 5 escaped-web-child &); exec {fixtures}/ticker {marker} 5 main-web-process"]
`);
    await env.startDaemon();
    const first = await env.waitForService("web", "running", "web running");
    await waitFor(() => running(env, "escaped-web-child").length === 1, { what: "the escaped child" });
    await loseStore(env);
    const left = [first.pid as number, ...running(env, "escaped-web-child")].sort((a, b) => a - b);

    await env.startDaemon();
    const refused = await env.waitForService("web", "failed", "web refused");
    for (const pid of left) assert.match(refused.reason, new RegExp(`\\b${pid}\\b`));
    assert.match(refused.reason, /upkeep reset web/);
    assert.deepEqual(running(env, "main-web-process").sort(), [first.pid], "no second copy was started");

    // Every process named (the tickers' `sleep` children too) must be gone before a start:
    // the tickers first (a ticker whose sleep is killed starts another), one sleep last.
    const named = (await env.events("web")).find((e) => e.details.status === "unrecorded").details
      .pids as number[];
    for (const pid of left) assert.ok(named.includes(pid));
    const comm = (pid: number): string => readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    const sleeps = named.filter((pid) => comm(pid) === "sleep");
    const last = sleeps.pop()!;
    for (const pid of [...named.filter((p) => !sleeps.includes(p) && p !== last), ...sleeps])
      process.kill(pid, "SIGKILL");
    await waitFor(() => named.every((pid) => pid === last || !isAlive(pid)), { what: "all but one to die" });
    const refusedAgain = env.cli("reset", "web");
    assert.notEqual(refusedAgain.code, 0, "a reset is refused while one of them lives");
    assert.match(
      refusedAgain.stdout + refusedAgain.stderr,
      new RegExp(`run without a record \\(PIDs ${last};`),
    );

    process.kill(last, "SIGKILL");
    await waitFor(() => !isAlive(last), { what: "the last one to die" });
    const reset = env.cli("reset", "web");
    assert.equal(reset.code, 0, reset.stdout + reset.stderr);
    const started = await env.waitForService("web", "running", "web started once they are gone");
    assert.ok(!left.includes(started.pid));
  });
});
