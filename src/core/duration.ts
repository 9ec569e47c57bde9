/**
 * Durations as written in the config and on the command line: a number followed by a unit
 * (`250ms`, `10s`, `5m`, `1h`, `2d`), or several such parts in descending unit order (`1m30s`).
 * A bare `0` means zero. Values are integer milliseconds.
 */
import { UpkeepError } from "./errors.js";

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;
type DurationUnit = keyof typeof UNIT_MS;
const UNIT_ORDER: readonly DurationUnit[] = ["d", "h", "m", "s", "ms"];

/** What a valid duration looks like, for messages. */
export const DURATION_EXPECTED = "a duration like 250ms, 10s, 5m, 1h or 1m30s, in units ms, s, m, h, d";

export type DurationResult = { ok: true; ms: number } | { ok: false; reason: string };

function isUnit(text: string): text is DurationUnit {
  return Object.hasOwn(UNIT_MS, text);
}

/** Parse a duration, returning the reason instead of throwing when it is not valid. */
export function checkDuration(text: string): DurationResult {
  if (text === "0") return { ok: true, ms: 0 };
  if (text.trim() === "") return { ok: false, reason: "the duration is empty" };
  if (/\s/.test(text)) return { ok: false, reason: "a duration has no spaces" };
  if (text.startsWith("-")) return { ok: false, reason: "a duration cannot be negative" };
  if (/^\d+(\.\d+)?$/.test(text))
    return { ok: false, reason: `the unit is missing: write ${text}s or ${text}ms` };
  const part = /(\d+(?:\.\d+)?)([a-zA-Z]+)/y;
  let total = 0;
  let lastRank = -1;
  let index = 0;
  while (index < text.length) {
    part.lastIndex = index;
    const match = part.exec(text);
    if (match === null)
      return { ok: false, reason: `cannot read '${text.slice(index)}' as a number and a unit` };
    const [, amount = "", unit = ""] = match;
    if (!isUnit(unit)) return { ok: false, reason: `unknown unit '${unit}'` };
    const rank = UNIT_ORDER.indexOf(unit);
    if (rank <= lastRank)
      return { ok: false, reason: "each unit may appear once, largest first (e.g. 1m30s)" };
    lastRank = rank;
    total += Number(amount) * UNIT_MS[unit];
    index = part.lastIndex;
  }
  if (!Number.isSafeInteger(Math.round(total))) return { ok: false, reason: "the duration is too large" };
  return { ok: true, ms: Math.round(total) };
}

/** Parse a duration into milliseconds; throws CONFIG_BAD_VALUE naming the reason. */
export function parseDuration(text: string): number {
  const result = checkDuration(text);
  if (result.ok) return result.ms;
  throw new UpkeepError("CONFIG_BAD_VALUE", `'${text}' is not a valid duration: ${result.reason}`, {
    hint: `write ${DURATION_EXPECTED}`,
    details: { got: text, expected: DURATION_EXPECTED },
  });
}

/** Format milliseconds the way parseDuration reads them back: 250ms, 10s, 1m30s, 2h5m. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return String(ms);
  let rest = Math.round(ms);
  if (rest === 0) return "0s";
  let out = "";
  for (const unit of UNIT_ORDER) {
    const size = UNIT_MS[unit];
    const count = Math.floor(rest / size);
    if (count > 0) {
      out += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return out;
}
