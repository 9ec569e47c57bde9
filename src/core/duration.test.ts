import { test } from "node:test";
import assert from "node:assert/strict";
import { checkDuration, formatDuration, parseDuration } from "./duration.js";
import { UpkeepError } from "./errors.js";

test("parseDuration reads single units and compound durations", () => {
  assert.equal(parseDuration("250ms"), 250);
  assert.equal(parseDuration("10s"), 10_000);
  assert.equal(parseDuration("5m"), 300_000);
  assert.equal(parseDuration("1h"), 3_600_000);
  assert.equal(parseDuration("2d"), 172_800_000);
  assert.equal(parseDuration("1m30s"), 90_000);
  assert.equal(parseDuration("1.5s"), 1500);
  assert.equal(parseDuration("0"), 0);
});

test("parseDuration rejects garbage with a reason", () => {
  const cases: [string, RegExp][] = [
    ["10", /unit is missing/],
    ["10 s", /no spaces/],
    ["-5s", /negative/],
    ["10sec", /unknown unit 'sec'/],
    ["", /empty/],
    ["30s1m", /largest first/],
    ["1s1s", /largest first/],
    ["fast", /cannot read/],
    ["5m!", /cannot read '!'/],
  ];
  for (const [text, reason] of cases) {
    const result = checkDuration(text);
    assert.equal(result.ok, false, text);
    if (!result.ok) assert.match(result.reason, reason, text);
  }
  assert.throws(
    () => parseDuration("soon"),
    (err: unknown) =>
      err instanceof UpkeepError && err.code === "CONFIG_BAD_VALUE" && /soon/.test(err.message),
  );
});

test("formatDuration writes what parseDuration reads back", () => {
  for (const [ms, text] of [
    [250, "250ms"],
    [10_000, "10s"],
    [90_000, "1m30s"],
    [3_600_000, "1h"],
    [1500, "1s500ms"],
    [0, "0s"],
  ] as const) {
    assert.equal(formatDuration(ms), text);
    assert.equal(parseDuration(text), ms);
  }
});
