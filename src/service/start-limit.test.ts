import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { StartLimitConfig } from "../config/model.js";
import { attemptsInWindow, isStartLimitHit } from "./start-limit.js";

const NOW = 1_700_000_000_000;
const limit: StartLimitConfig = { burst: 3, intervalMs: 60_000, retryAfterMs: null };

describe("attemptsInWindow", () => {
  test("keeps attempts younger than the interval and drops the rest", () => {
    const attempts = [NOW - 120_000, NOW - 60_001, NOW - 60_000, NOW - 59_999, NOW - 1, NOW];
    assert.deepEqual(attemptsInWindow(limit, attempts, NOW), [NOW - 59_999, NOW - 1, NOW]);
  });

  test("does not change the array it was given", () => {
    const attempts = Object.freeze([NOW - 120_000, NOW]);
    assert.deepEqual(attemptsInWindow(limit, attempts, NOW), [NOW]);
    assert.deepEqual(attempts, [NOW - 120_000, NOW]);
  });

  test("an empty history stays empty", () => {
    assert.deepEqual(attemptsInWindow(limit, [], NOW), []);
  });
});

describe("isStartLimitHit", () => {
  const cases: [what: string, attempts: number[], hit: boolean][] = [
    ["no attempt yet", [], false],
    ["two attempts in the window (burst 3)", [NOW - 2000, NOW - 1000], false],
    ["three attempts in the window (burst 3)", [NOW - 3000, NOW - 2000, NOW - 1000], true],
    ["three attempts, one of them older than the interval", [NOW - 60_000, NOW - 2000, NOW - 1000], false],
    ["five attempts in the window", [1, 2, 3, 4, 5].map((i) => NOW - i), true],
  ];
  for (const [what, attempts, hit] of cases) {
    test(`${what}: ${hit ? "one more would exceed the burst" : "one more is allowed"}`, () => {
      assert.equal(isStartLimitHit(limit, attempts, NOW), hit);
    });
  }

  test("the same history is within the limit again once time has moved past the interval", () => {
    const attempts = [NOW - 3000, NOW - 2000, NOW - 1000];
    assert.equal(isStartLimitHit(limit, attempts, NOW), true);
    assert.equal(isStartLimitHit(limit, attempts, NOW - 3000 + 60_000), false);
  });
});
