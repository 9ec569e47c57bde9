import type { StartLimitConfig } from "../config/model.js";

/**
 * The attempt budget (SPEC §2 start_limit): start-up failures and runtime crashes draw from
 * one budget of `burst` attempts within a sliding `interval`. Pure functions of history and now.
 */

/**
 * With a burst above ATTEMPT_MARKS, attempts are counted in groups of
 * ceil(burst / ATTEMPT_MARKS): the list holds one mark (the time of its first attempt) per
 * group, so it never holds more than about ATTEMPT_MARKS entries, however large the burst. A
 * crash loop with a burst of 10⁹ and the default minute kept 18 000 attempts before, copied
 * and stored at every restart (≈1 ms of CPU each). A group whose first attempt has left the
 * window stops counting, so such a limit allows up to one group (1% of the burst) more. With a
 * burst up to ATTEMPT_MARKS every attempt is its own mark: the limit is exact.
 */
export const ATTEMPT_MARKS = 100;

/** How many attempts one mark stands for. */
export function attemptsPerMark(config: StartLimitConfig): number {
  return Math.ceil(config.burst / ATTEMPT_MARKS);
}

/**
 * Marks still inside the window ending at `now`, at most the newest `burst` of them (older
 * ones can never decide the limit: it is hit when the burst-th newest attempt is inside).
 */
export function attemptsInWindow(
  config: StartLimitConfig,
  attempts: readonly number[],
  now: number,
): number[] {
  const inWindow = attempts.filter((at) => now - at < config.intervalMs);
  return inWindow.length > config.burst ? inWindow.slice(inWindow.length - config.burst) : inWindow;
}

/**
 * True when one more attempt at `now` would exceed the burst. `inNewest`: how many attempts the
 * newest mark stands for so far (1 when every attempt is its own mark).
 */
export function isStartLimitHit(
  config: StartLimitConfig,
  attempts: readonly number[],
  now: number,
  inNewest = 1,
): boolean {
  const marks = attemptsInWindow(config, attempts, now).length;
  const counted = marks === 0 ? 0 : (marks - 1) * attemptsPerMark(config) + Math.max(1, inNewest);
  return counted >= config.burst;
}

/** One more attempt at `now`: a new mark, or one more attempt in the newest mark's group. */
export function addAttempt(
  config: StartLimitConfig,
  attempts: readonly number[],
  inNewest: number,
  now: number,
): { attempts: number[]; inNewest: number } {
  if (attempts.length > 0 && inNewest < attemptsPerMark(config))
    return { attempts: attempts as number[], inNewest: inNewest + 1 };
  return { attempts: [...attempts, now], inNewest: 1 };
}

/**
 * The marks of a stored service record. A list longer than marks ever get was stored by an
 * upkeep that kept every attempt: it is grouped here as it would have been.
 */
export function restoreAttempts(
  config: StartLimitConfig,
  stored: readonly number[],
): { attempts: number[]; inNewest: number } {
  if (stored.length === 0) return { attempts: [], inNewest: 0 };
  const per = attemptsPerMark(config);
  if (stored.length <= ATTEMPT_MARKS + 1 || per === 1) return { attempts: [...stored], inNewest: 1 };
  return {
    attempts: stored.filter((_, i) => i % per === 0),
    inNewest: ((stored.length - 1) % per) + 1,
  };
}
