import type { EventRecord } from "../store/store.js";

/**
 * Live events for followers (`upkeep events -f`, the dashboard). Events reach the bus only
 * after the store has them, so a follower that reads the store first and then subscribes may
 * see an event twice but never misses one; followers drop ids they have already seen.
 */
export class EventBus {
  private readonly listeners = new Set<(event: EventRecord) => void>();
  /** Events published since the daemon started, by kind (for /metrics). */
  readonly publishedByKind = new Map<string, number>();

  publish(event: EventRecord): void {
    this.publishedByKind.set(event.kind, (this.publishedByKind.get(event.kind) ?? 0) + 1);
    for (const listener of this.listeners) listener(event);
  }

  /** Returns the unsubscribe function. */
  subscribe(listener: (event: EventRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
