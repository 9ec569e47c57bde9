/**
 * Sizes as written in the config: a number and a unit, `100B`, `512KB`, `10MB`, `1GiB`.
 * KB/MB/GB/TB are 1024-based, as in most supervisors and log rotators (logrotate, supervisord),
 * and KiB/MiB/GiB/TiB mean the same; K/M/G/T are accepted as short forms. Units are
 * case-insensitive. A bare integer is a number of bytes. Values are integer bytes.
 */
import { UpkeepError } from "./errors.js";

const UNIT_BYTES: Readonly<Record<string, number>> = {
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
};

/** What a valid size looks like, for messages. */
export const SIZE_EXPECTED = "a size like 100B, 512KB, 10MB or 1GiB, where KB, MB and GB are 1024-based";

export type SizeResult = { ok: true; bytes: number } | { ok: false; reason: string };

/** Parse a size, returning the reason instead of throwing when it is not valid. */
export function checkSize(text: string): SizeResult {
  const match = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/.exec(text.trim());
  if (match === null) {
    if (text.trim().startsWith("-")) return { ok: false, reason: "a size cannot be negative" };
    return { ok: false, reason: "expected a number followed by a unit" };
  }
  const [, amount = "", rawUnit = ""] = match;
  const unit = rawUnit.toLowerCase();
  if (unit === "" && amount.includes("."))
    return { ok: false, reason: "a size without a unit is whole bytes" };
  // Own keys only: `1constructor` must be an unknown unit, not Object.prototype.constructor.
  const factor = unit === "" ? 1 : Object.hasOwn(UNIT_BYTES, unit) ? UNIT_BYTES[unit] : undefined;
  if (factor === undefined) return { ok: false, reason: `unknown unit '${rawUnit}'` };
  const bytes = Math.floor(Number(amount) * factor);
  if (!Number.isSafeInteger(bytes)) return { ok: false, reason: "the size is too large" };
  return { ok: true, bytes };
}

/** Parse a size into bytes; throws CONFIG_BAD_VALUE naming the reason. */
export function parseSize(text: string): number {
  const result = checkSize(text);
  if (result.ok) return result.bytes;
  throw new UpkeepError("CONFIG_BAD_VALUE", `'${text}' is not a valid size: ${result.reason}`, {
    hint: `write ${SIZE_EXPECTED}`,
    details: { got: text, expected: SIZE_EXPECTED },
  });
}

/** Format bytes in the largest binary unit that divides them exactly: 10MiB, 1536KiB, 100B. */
export function formatSize(bytes: number): string {
  const units: [string, number][] = [
    ["TiB", 1024 ** 4],
    ["GiB", 1024 ** 3],
    ["MiB", 1024 ** 2],
    ["KiB", 1024],
  ];
  for (const [name, size] of units) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${name}`;
  }
  return `${bytes}B`;
}
