import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { after, test } from "node:test";
import { waitFor } from "../../test/helpers/wait-for.js";
import { readBootId } from "./boot-id.js";
import { CLOCK_TICKS, readCmdline, readProcStat } from "./proc-stat.js";
import { captureIdentity, checkIdentity, describeCheck, describeProcess } from "./process-identity.js";
import { createMarker, killMarked, startScript, waitForExit } from "./test-fixtures.js";

const marker = createMarker();
after(() => killMarked(marker));

function uptimeTicks(): number {
  return Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]) * CLOCK_TICKS;
}

function startSleep(): ChildProcess {
  return spawn("sleep", [marker], { stdio: "ignore" });
}

async function stop(child: ChildProcess): Promise<void> {
  child.kill("SIGKILL");
  await waitForExit(child);
}

test("a captured identity is live while the process runs, gone once it has exited", async () => {
  const child = startSleep();
  const id = captureIdentity(child.pid!);
  assert.ok(id);
  assert.deepEqual(id, {
    pid: child.pid,
    startTime: readProcStat(child.pid!)!.startTime,
    bootId: readBootId(),
  });
  assert.deepEqual(checkIdentity(id), { status: "live" });
  await stop(child);
  assert.deepEqual(checkIdentity(id), { status: "gone" });
  assert.equal(captureIdentity(child.pid!), null);
  assert.equal(describeCheck(id, { status: "gone" }), `PID ${id.pid} is no longer running`);
});

test("a record from another boot is other_boot, even if the PID is live now", () => {
  const id = captureIdentity(process.pid)!;
  assert.deepEqual(checkIdentity({ ...id, bootId: "00000000-0000-0000-0000-000000000000" }), {
    status: "other_boot",
  });
});

test("a live PID with another start time is reused, with what now holds the PID", async () => {
  const child = startSleep();
  try {
    const id = captureIdentity(child.pid!)!;
    const check = checkIdentity({ ...id, startTime: id.startTime - 1 });
    assert.equal(check.status, "reused");
    assert.deepEqual(check.status === "reused" && check.found, {
      pid: child.pid,
      comm: "sleep",
      argv: ["sleep", marker],
      startTime: id.startTime,
    });
    assert.match(
      describeCheck(id, check),
      new RegExp(`^PID ${child.pid} now belongs to another process: sleep ${marker}`),
    );
  } finally {
    await stop(child);
  }
});

test("a PID really reused by the kernel (via ns_last_pid) is reported as reused", async () => {
  // Other processes on the machine fork too and may take the PID first: retry a few times.
  for (let attempt = 0; attempt < 20; attempt++) {
    const first = startSleep();
    const id = captureIdentity(first.pid!)!;
    await stop(first);
    // Start times count 10 ms ticks: a decoy born in the same tick would be indistinguishable
    // (the kernel never reuses a PID that fast by itself; only ns_last_pid makes it possible).
    await waitFor(() => uptimeTicks() > id.startTime + 1, { what: "the next clock tick" });
    writeFileSync("/proc/sys/kernel/ns_last_pid", String(id.pid - 1));
    // "sleep A B" sleeps A+B seconds: the extra argument tells the decoy apart.
    const decoy = spawn("sleep", [marker, "1"], { stdio: "ignore" });
    try {
      if (decoy.pid !== id.pid) continue;
      await waitFor(() => readCmdline(id.pid)?.[0] === "sleep", { what: "the decoy to exec sleep" });
      const check = checkIdentity(id);
      assert.equal(check.status, "reused");
      assert.deepEqual(check.status === "reused" && check.found.argv, ["sleep", marker, "1"]);
      return;
    } finally {
      await stop(decoy);
    }
  }
  assert.fail("the decoy never got the reused PID in 20 attempts");
});

test("a zombie (exited, not reaped by its parent) is gone", async () => {
  // `exec sleep` never reaps the background child it inherits from sh: it stays a zombie.
  const { child, pids } = await startScript(`sleep 0.2 & echo zombie $!; echo ready; exec sleep ${marker}`);
  try {
    const zombie = pids.get("zombie")!;
    const id = captureIdentity(zombie);
    assert.ok(id, "captured while it still runs");
    await waitFor(() => readProcStat(zombie)?.state === "Z", { what: "the child to become a zombie" });
    assert.deepEqual(checkIdentity(id), { status: "gone" });
    assert.equal(captureIdentity(zombie), null);
    assert.match(describeProcess(zombie), /exited, not reaped yet$/);
  } finally {
    await stop(child);
  }
});

test("describeProcess names the PID, the command and the start time in UTC", async () => {
  const child = startSleep();
  try {
    const text = describeProcess(child.pid!);
    const match = /^PID (\d+) \(sleep\) started (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)$/.exec(text);
    assert.ok(match, text);
    assert.equal(Number(match[1]), child.pid);
    assert.ok(Math.abs(Date.parse(match[2]!) - Date.now()) < 3000, text);
  } finally {
    await stop(child);
  }
  assert.equal(describeProcess(child.pid!), `PID ${child.pid} (no longer running)`);
});
