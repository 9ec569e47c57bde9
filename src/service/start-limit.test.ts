import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { StartLimitConfig } from "../config/model.js";
import {
  ATTEMPT_MARKS,
  addAttempt,
  attemptsInWindow,
  isStartLimitHit,
  restoreAttempts,
} from "./start-limit.js";

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

describe("the attempts kept", () => {
  test("at most the newest `burst` attempts in the window: older ones never decide the limit", () => {
    const attempts = [1, 2, 3, 4, 5, 6].map((i) => NOW - 10_000 + i);
    assert.deepEqual(attemptsInWindow(limit, attempts, NOW), attempts.slice(3));
    assert.equal(isStartLimitHit(limit, attemptsInWindow(limit, attempts, NOW), NOW), true);
  });

  test("with a burst up to ATTEMPT_MARKS every attempt is a mark: exact", () => {
    const exact: StartLimitConfig = { burst: ATTEMPT_MARKS, intervalMs: 60_000, retryAfterMs: null };
    let state = { attempts: [] as number[], inNewest: 0 };
    for (let i = 0; i < ATTEMPT_MARKS; i++) {
      assert.equal(isStartLimitHit(exact, state.attempts, NOW + i, state.inNewest), false);
      state = addAttempt(exact, state.attempts, state.inNewest, NOW + i);
    }
    assert.equal(state.attempts.length, ATTEMPT_MARKS);
    assert.equal(isStartLimitHit(exact, state.attempts, NOW + ATTEMPT_MARKS, state.inNewest), true);
  });

  test("a large burst is counted in groups: the list stays short and the limit is still hit", () => {
    const large: StartLimitConfig = { burst: 1_000_000, intervalMs: 60_000, retryAfterMs: null };
    let state = { attempts: [] as number[], inNewest: 0 };
    let hitAt = -1;
    for (let i = 0; i < 1_100_000 && hitAt < 0; i++) {
      const now = NOW + Math.floor(i / 100); // 100 attempts per ms: all inside one minute
      if (isStartLimitHit(large, state.attempts, now, state.inNewest)) hitAt = i;
      else state = addAttempt(large, state.attempts, state.inNewest, now);
    }
    assert.equal(hitAt, 1_000_000, "the attempt after the burst is refused, not one sooner or later");
    assert.ok(state.attempts.length <= ATTEMPT_MARKS, `${state.attempts.length} marks`);
  });

  test("a long list stored by an older upkeep is grouped on restore, not read as marks", () => {
    const large: StartLimitConfig = { burst: 1_000_000, intervalMs: 60_000, retryAfterMs: null };
    const stored = Array.from({ length: 25_000 }, (_, i) => NOW - 30_000 + i);
    const restored = restoreAttempts(large, stored);
    assert.deepEqual(restored.attempts, [NOW - 30_000, NOW - 30_000 + 10_000, NOW - 30_000 + 20_000]);
    assert.equal(restored.inNewest, 5000);
    assert.equal(isStartLimitHit(large, restored.attempts, NOW, restored.inNewest), false);
    assert.deepEqual(restoreAttempts(limit, [NOW - 1, NOW]), { attempts: [NOW - 1, NOW], inNewest: 1 });
  });
});
