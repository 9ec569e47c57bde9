import type { StartLimitConfig } from "../config/model.js";

/**
 * The attempt budget (SPEC §2 start_limit): start-up failures and runtime crashes draw from
 * one budget of `burst` attempts within a sliding `interval`. Pure functions of history and now.
 */

/** Attempts still inside the window ending at `now`. */
export function attemptsInWindow(
  config: StartLimitConfig,
  attempts: readonly number[],
  now: number,
): number[] {
  return attempts.filter((at) => now - at < config.intervalMs);
}

/** True when one more attempt at `now` would exceed the burst. */
export function isStartLimitHit(config: StartLimitConfig, attempts: readonly number[], now: number): boolean {
  return attemptsInWindow(config, attempts, now).length >= config.burst;
}
