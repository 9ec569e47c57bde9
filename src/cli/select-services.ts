/**
 * Service selection by name on the CLI side: `web` selects `web` and its instances `web@…`;
 * a name that selects nothing is an error that lists the known names.
 */
import { UpkeepError } from "../core/errors.js";

/** At most this many known names are listed in an error (a config may have 1000). */
const MAX_LISTED = 20;

/** Lists names for a message: all of them, or the first MAX_LISTED and how many more. */
export function listNames(names: readonly string[]): string {
  if (names.length === 0) return "(none)";
  const shown = names.slice(0, MAX_LISTED).join(", ");
  return names.length > MAX_LISTED ? `${shown}, … (${names.length - MAX_LISTED} more)` : shown;
}

/** True when `wanted` selects the service `name` (itself, or one of its instances). */
export function nameSelects(wanted: string, name: string): boolean {
  return name === wanted || (!wanted.includes("@") && name.startsWith(`${wanted}@`));
}

/** The items whose name one of `wanted` selects, in their own order; all when none wanted. */
export function selectByName<T extends { name: string }>(
  items: readonly T[],
  wanted: readonly string[],
): T[] {
  if (wanted.length === 0) return [...items];
  const unknown = wanted.filter((w) => !items.some((item) => nameSelects(w, item.name)));
  if (unknown.length > 0) {
    const quoted = unknown.map((u) => `'${u}'`).join(", ");
    throw new UpkeepError(
      "SERVICE_UNKNOWN",
      `no service named ${quoted} in the config (known: ${listNames(items.map((i) => i.name))})`,
      {
        hint: "check the spelling; `upkeep status` lists every service",
        details: { service: unknown.join(",") },
      },
    );
  }
  return items.filter((item) => wanted.some((w) => nameSelects(w, item.name)));
}
