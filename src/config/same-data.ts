/** Comparing config values (plain data) for diff.ts: what changed between two configs. */

/** Structural equality for plain data (config values and verbatim pending keys). */
export function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  if (aKeys.length !== bKeys.length) return false;
  const aRecord = a as Record<string, unknown>;
  const bRecord = b as Record<string, unknown>;
  return aKeys.every((key) => Object.hasOwn(bRecord, key) && sameData(aRecord[key], bRecord[key]));
}

/** Keys with their values before and after. */
export type Pairs = [string, unknown, unknown][];

/** The keys whose value changed, in the order given. */
export function changedOf(pairs: Pairs): string[] {
  return pairs.filter(([, x, y]) => !sameData(x, y)).map(([key]) => key);
}
