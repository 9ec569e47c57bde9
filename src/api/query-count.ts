/**
 * A count in a query (`?n=`): digits only, at most `max`. Every answer that holds n things is
 * read and serialized whole, so each route says how many one answer may hold; `1e300` or
 * `-1` is refused rather than passed on to the store.
 */
import { UpkeepError } from "../core/errors.js";

export function readQueryCount(url: URL, name: string, fallback: number, max: number): number {
  const text = url.searchParams.get(name) ?? String(fallback);
  const count = /^\d{1,15}$/.test(text) ? Number(text) : NaN;
  if (!(count <= max)) {
    throw new UpkeepError(
      "API_BAD_REQUEST",
      `query field '${name}' must be a whole number from 0 to ${max}, got '${text.slice(0, 50)}'`,
      { hint: `ask for at most ${max}` },
    );
  }
  return count;
}
