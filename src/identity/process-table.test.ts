import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import { waitFor } from "../../test/helpers/wait-for.js";
import { readProcStat } from "./proc-stat.js";
import { isKernelThread, listPids, scanProcesses } from "./process-table.js";
import { createMarker, waitForExit } from "./test-fixtures.js";

test("scanProcesses sees this process and a new child, once each", async () => {
  const child = spawn("sleep", [createMarker()], { stdio: "ignore" });
  let startTime: number | undefined;
  try {
    await waitFor(() => readProcStat(child.pid!)?.comm === "sleep", { what: "the child to exec sleep" });
    const table = scanProcesses();
    const pids = table.map((s) => s.pid);
    assert.equal(new Set(pids).size, pids.length, "no duplicates");
    const seen = table.find((s) => s.pid === child.pid);
    assert.equal(seen?.comm, "sleep");
    assert.equal(seen.ppid, process.pid);
    startTime = readProcStat(child.pid!)!.startTime;
    assert.equal(seen.startTime, startTime);
    assert.ok(pids.includes(process.pid));
    assert.ok(pids.includes(1));
  } finally {
    child.kill("SIGKILL");
    await waitForExit(child);
  }
  // Tests run in parallel, so the PID may already belong to a new process: only the child's
  // own incarnation (same PID and start time) must be gone.
  const again = listPids().includes(child.pid!) ? readProcStat(child.pid!) : undefined;
  assert.ok(again == null || again.startTime !== startTime, "the reaped child is no longer listed");
});

test("isKernelThread tells kthreadd and its children from user processes", () => {
  const table = scanProcesses();
  assert.ok(isKernelThread(table.find((s) => s.pid === 2)!));
  assert.ok(table.some((s) => s.ppid === 2 && isKernelThread(s)));
  assert.ok(!isKernelThread(table.find((s) => s.pid === process.pid)!));
  assert.ok(!isKernelThread(table.find((s) => s.pid === 1)!));
});
