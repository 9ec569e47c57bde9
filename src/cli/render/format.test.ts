import assert from "node:assert/strict";
import { test } from "node:test";
import { formatBytes, formatDuration, formatPercent, formatTime } from "./format.js";

test("durations show their two largest units", () => {
  assert.equal(formatDuration(0), "0s");
  assert.equal(formatDuration(999), "0s");
  assert.equal(formatDuration(45_000), "45s");
  assert.equal(formatDuration(60_000), "1m0s");
  assert.equal(formatDuration(12 * 60_000 + 5000), "12m5s");
  assert.equal(formatDuration(3 * 3_600_000 + 12 * 60_000 + 59_000), "3h12m");
  assert.equal(formatDuration(3 * 3_600_000 + 5000), "3h0m");
  assert.equal(formatDuration(2 * 86_400_000 + 4 * 3_600_000), "2d4h");
  assert.equal(formatDuration(-5), "0s");
});

test("sizes use binary units with one decimal", () => {
  assert.equal(formatBytes(0), "0B");
  assert.equal(formatBytes(512), "512B");
  assert.equal(formatBytes(4096), "4.0K");
  assert.equal(formatBytes(12.3 * 1024 * 1024), "12.3M");
  assert.equal(formatBytes(1024 * 1024 - 1), "1.0M");
  assert.equal(formatBytes(1.5 * 1024 ** 3), "1.5G");
});

test("CPU has one decimal and times are local YYYY-MM-DD HH:MM:SS", () => {
  assert.equal(formatPercent(0), "0.0%");
  assert.equal(formatPercent(97.46), "97.5%");
  const local = new Date(2025, 10, 23, 9, 5, 7);
  assert.equal(formatTime(local.toISOString()), "2025-11-23 09:05:07");
  assert.equal(formatTime("not a time"), "not a time");
});
