/**
 * Reads while writes wait in memory (buffered-store.ts): what the store holds, with the kept
 * writes applied, so the daemon's view of its services, processes and events stays whole.
 */
import type { EventQuery, EventRecord } from "./store.js";

/** The stored records with the kept writes applied, sorted by name as the store sorts them. */
export function overlayRecords<T>(stored: T[], kept: Map<string, T | null>, key: (r: T) => string): T[] {
  if (kept.size === 0) return stored;
  const byKey = new Map(stored.map((r) => [key(r), r]));
  for (const [k, r] of kept) {
    if (r === null) byKey.delete(k);
    else byKey.set(k, r);
  }
  return [...byKey.values()].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/**
 * The stored events of a query, then the kept ones that match it (numbered after every stored
 * one), cut to the query's limit: as listEvents would answer once they are stored.
 */
export function overlayEvents(
  stored: EventRecord[],
  kept: readonly EventRecord[],
  query: EventQuery,
): EventRecord[] {
  if (kept.length === 0) return stored;
  const after = query.afterId ?? 0;
  const all = [...stored, ...kept.filter((e) => e.id > after && matchesService(query.service, e.service))];
  return query.limit === undefined ? all : all.slice(Math.max(0, all.length - query.limit));
}

/** EventQuery.service: an exact name, or a prefix ending in "@" for all instances. */
function matchesService(wanted: string | undefined, service: string | null): boolean {
  if (wanted === undefined) return true;
  if (service === null) return false;
  return wanted.endsWith("@") ? service.startsWith(wanted) : service === wanted;
}
