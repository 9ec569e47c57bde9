import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { afterEach, describe, test } from "node:test";
import { isAlive, TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

const CONFIG = `
services:
  victim:
    command: ["{fixtures}/ticker", "{marker}", "0.2"]
`;

/** Kill the daemon, then the service, so the store keeps a record of a dead process. */
async function leaveStaleRecord(env: TestEnv): Promise<number> {
  env.writeConfig(CONFIG);
  await env.startDaemon();
  const { pid } = await env.waitForService("victim", "running", "victim running");
  await env.killDaemon();
  // Kill the whole process group: while any member lives, the kernel keeps its id (the dead
  // PID) reserved and would not hand it to the decoy.
  process.kill(-pid, "SIGKILL");
  await waitFor(() => !isAlive(pid) && !groupExists(pid), { what: `PID ${pid} and its group to die` });
  return pid as number;
}

function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("stale records", () => {
  let env: TestEnv;
  let decoy: ChildProcess | null = null;
  afterEach(async () => {
    decoy?.kill("SIGKILL");
    decoy = null;
    await env.teardown();
  });

  test("a record whose process died while the daemon was down is cleared with a stale event", async () => {
    env = new TestEnv();
    const deadPid = await leaveStaleRecord(env);
    await env.startDaemon();
    const { json } = await env.api("GET", "/api/v1/events?service=victim&n=50");
    const stale = json.events.find((e: { kind: string }) => e.kind === "stale");
    assert.ok(stale, "a stale event is recorded");
    assert.match(stale.reason, new RegExp(`${deadPid}`));
    assert.equal(stale.details.status, "gone");
    const s = await env.waitForService("victim", "running", "victim started again");
    assert.notEqual(s.pid, deadPid);
  });

  test("a process that reuses the dead service's PID is left alone and a new service process starts", async (t) => {
    if (process.getuid?.() !== 0) {
      t.skip("needs root: a decoy can take a chosen PID only through /proc/sys/kernel/ns_last_pid");
      return;
    }
    env = new TestEnv();
    const deadPid = await leaveStaleRecord(env);
    // Make the decoy take the dead PID: the next PID the kernel hands out is ns_last_pid + 1.
    for (let attempt = 0; attempt < 50 && decoy?.pid !== deadPid; attempt++) {
      decoy?.kill("SIGKILL");
      writeFileSync("/proc/sys/kernel/ns_last_pid", String(deadPid - 1));
      decoy = spawn("sleep", ["1000"], {
        stdio: "ignore",
        env: { ...process.env, UPKEEP_TEST_MARKER: env.marker },
      });
    }
    assert.equal(decoy!.pid, deadPid, "the decoy took the dead service's PID");

    await env.startDaemon();
    const { json } = await env.api("GET", "/api/v1/events?service=victim&n=50");
    const stale = json.events.find((e: { kind: string }) => e.kind === "stale");
    assert.ok(stale, "a stale event is recorded");
    assert.equal(stale.details.status, "reused");
    assert.match(stale.reason, /sleep/);
    const s = await env.waitForService("victim", "running", "a new victim process");
    assert.notEqual(s.pid, deadPid);
    assert.ok(isAlive(deadPid), "the decoy holding the reused PID was never signalled");
  });
});
