import type { BackoffConfig } from "../config/model.js";

/**
 * Delay before restart attempt number `step` (0-based): initial·factor^step, capped at max,
 * then spread by ±jitter. `random` is injected (a value in [0, 1)) so tests need no clock and
 * no real randomness.
 */
export function computeBackoffDelay(config: BackoffConfig, step: number, random: () => number): number {
  // initial 0 is legal (restart at once): 0 · factor^step turns NaN once factor^step overflows
  // to Infinity in a long crash loop, so it is answered before any arithmetic.
  if (config.initialMs <= 0) return 0;
  const growth = Math.pow(config.factor, Math.max(0, step));
  const base = Number.isFinite(growth) ? Math.min(config.maxMs, config.initialMs * growth) : config.maxMs;
  if (base <= 0 || config.jitter <= 0) return Math.max(0, Math.round(base));
  const spread = base * config.jitter * (random() * 2 - 1);
  return Math.max(0, Math.min(config.maxMs, Math.round(base + spread)));
}

/**
 * The backoff step for the restart after a process ended: back to 0 when it had run for at
 * least reset_after (it was stable), else the count of quick crashes in a row so far.
 */
export function backoffStepFor(config: BackoffConfig, quickCrashes: number, uptimeMs: number | null): number {
  if (uptimeMs !== null && uptimeMs >= config.resetAfterMs) return 0;
  return quickCrashes;
}
