import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { readBootId, readBootTimeMs, startTimeToEpochMs } from "./boot-id.js";
import { readProcStat } from "./proc-stat.js";
import { createMarker, waitForExit } from "./test-fixtures.js";

test("readBootId returns the kernel's boot id, the same on every call", () => {
  const id = readBootId();
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.equal(id, readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim());
  assert.equal(readBootId(), id);
});

test("readBootTimeMs is now minus the uptime, to the second", () => {
  const uptimeMs = Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]) * 1000;
  assert.ok(Math.abs(readBootTimeMs() - (Date.now() - uptimeMs)) < 2000);
});

test("startTimeToEpochMs turns a just started process's ticks into about now", async () => {
  const child = spawn("sleep", [createMarker()], { stdio: "ignore" });
  try {
    const started = startTimeToEpochMs(readProcStat(child.pid!)!.startTime);
    assert.ok(Math.abs(started - Date.now()) < 2000, `started ${new Date(started).toISOString()}`);
  } finally {
    child.kill("SIGKILL");
    await waitForExit(child);
  }
});
