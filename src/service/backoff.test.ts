import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { BackoffConfig } from "../config/model.js";
import { backoffStepFor, computeBackoffDelay } from "./backoff.js";

const config = (over: Partial<BackoffConfig> = {}): BackoffConfig => ({
  initialMs: 100,
  maxMs: 30_000,
  factor: 2,
  jitter: 0,
  resetAfterMs: 30_000,
  ...over,
});
const fixed = (value: number) => (): number => value;

describe("computeBackoffDelay", () => {
  const noJitter: [step: number, ms: number][] = [
    [0, 100],
    [1, 200],
    [2, 400],
    [8, 25_600],
    [9, 30_000], // 51 200 capped at max
    [5000, 30_000], // factor^step overflows to Infinity: still max, never NaN
    [-3, 100], // a negative step counts as the first
  ];
  for (const [step, ms] of noJitter) {
    test(`without jitter, step ${step} waits ${ms} ms`, () => {
      assert.equal(computeBackoffDelay(config(), step, fixed(0.9)), ms);
    });
  }

  test("factor 1 keeps the delay constant", () => {
    assert.equal(computeBackoffDelay(config({ factor: 1 }), 7, fixed(0)), 100);
  });

  test("an initial above max is capped at max", () => {
    assert.equal(computeBackoffDelay(config({ initialMs: 5000, maxMs: 1000 }), 0, fixed(0)), 1000);
  });

  const jitter: [random: number, step: number, ms: number][] = [
    [0, 0, 75], // 100 - 25%
    [0.5, 0, 100],
    [0.9999999, 0, 125], // 100 + 25%
    [0, 20, 22_500], // max - 25%
    [0.9999999, 20, 30_000], // above max is cut back to max
  ];
  for (const [random, step, ms] of jitter) {
    test(`jitter 0.25 with random ${random} at step ${step} waits ${ms} ms`, () => {
      assert.equal(computeBackoffDelay(config({ jitter: 0.25 }), step, fixed(random)), ms);
    });
  }

  test("jitter 1 with random 0 gives 0, never a negative delay", () => {
    assert.equal(computeBackoffDelay(config({ jitter: 1 }), 3, fixed(0)), 0);
  });

  test("initial 0 means restart at once, whatever the jitter", () => {
    assert.equal(computeBackoffDelay(config({ initialMs: 0, jitter: 0.5 }), 4, fixed(0.9)), 0);
  });

  test("every delay stays inside base ± jitter and under max, over many random draws", () => {
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648; // a fixed LCG: the same draws on every run
      return seed / 2147483648;
    };
    const c = config({ jitter: 0.2, maxMs: 2000 });
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const step = i % 6;
      const base = Math.min(2000, 100 * 2 ** step);
      const ms = computeBackoffDelay(c, step, random);
      assert.ok(
        ms >= Math.round(base * 0.8) && ms <= Math.min(2000, Math.round(base * 1.2)),
        `step ${step}: ${ms}`,
      );
      seen.add(ms);
    }
    assert.ok(seen.size > 50, "the jitter actually spreads the delays");
  });
});

describe("backoffStepFor", () => {
  const cases: [quickCrashes: number, uptime: number | null, step: number][] = [
    [4, null, 4], // spawn failed: no uptime, the streak goes on
    [4, 0, 4],
    [4, 29_999, 4],
    [4, 30_000, 0], // ran for reset_after: stable, start over
    [4, 3_600_000, 0],
    [0, 10, 0],
  ];
  for (const [quickCrashes, uptime, step] of cases) {
    test(`after ${quickCrashes} quick crashes and ${uptime ?? "no"} ms of uptime the step is ${step}`, () => {
      assert.equal(backoffStepFor(config(), quickCrashes, uptime), step);
    });
  }
});
