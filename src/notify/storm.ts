/**
 * Storm control, pure (no timers, no I/O: the caller passes `now` and arms the flush timer it
 * is told about). Per service and event kind at most one message per `min_interval`: the first
 * event goes out at once, later ones inside the interval are folded, and when the interval
 * ends the folded ones go out as one message that says how many they were. Per service, a
 * "story" runs from the first trouble (crash, failed, unhealthy, ...) until it is recovered,
 * so every message can say since when and how many crashes it has seen; `recovered` ends it.
 */
import type { NotifyKind } from "../config/notify-model.js";

/** The kinds that open (or continue) a story; `recovered` closes it. */
const TROUBLE: ReadonlySet<NotifyKind> = new Set(["crash", "failed", "unhealthy", "limit", "reload_failed"]);

interface Window {
  lastSentAt: number;
  /** Events folded since the last message, and when the first of them happened. */
  folded: number;
  firstFoldedAt: number | null;
}

export interface Story {
  openedAt: number;
  crashes: number;
  /** Events of any kind seen in this story (sent or folded). */
  events: number;
}

export type Offer =
  /** Send now; `folded` events before this one were held back and are told with it. */
  | { send: true; folded: number; story: Story | null }
  /** Held back: a message with the count goes at `flushAt` (arm a timer for it). */
  | { send: false; flushAt: number };

export class StormControl {
  private readonly windows = new Map<string, Window>();
  private readonly stories = new Map<string, Story>();

  /** An event of `kind` for `service` at `now`: send it now, or fold it until `flushAt`. */
  offer(service: string, kind: NotifyKind, now: number, minIntervalMs: number): Offer {
    const story = this.track(service, kind, now);
    const key = keyOf(service, kind);
    const window = this.windows.get(key);
    if (window === undefined || now - window.lastSentAt >= minIntervalMs) {
      const folded = window?.folded ?? 0;
      this.windows.set(key, { lastSentAt: now, folded: 0, firstFoldedAt: null });
      return { send: true, folded, story };
    }
    window.folded += 1;
    window.firstFoldedAt ??= now;
    return { send: false, flushAt: window.lastSentAt + minIntervalMs };
  }

  /**
   * The interval of (service, kind) is over (or a `recovered` closes the story): how many
   * events were folded and since when, or null when none were. Counts as a message sent now.
   */
  flush(service: string, kind: NotifyKind, now: number): { folded: number; since: number } | null {
    const window = this.windows.get(keyOf(service, kind));
    if (window === undefined || window.folded === 0 || window.firstFoldedAt === null) return null;
    const out = { folded: window.folded, since: window.firstFoldedAt };
    this.windows.set(keyOf(service, kind), { lastSentAt: now, folded: 0, firstFoldedAt: null });
    return out;
  }

  /** The story of a service, if one is open. */
  storyOf(service: string): Story | null {
    return this.stories.get(service) ?? null;
  }

  /** Forget a service (removed from the config). */
  forget(service: string): void {
    this.stories.delete(service);
    for (const key of [...this.windows.keys()]) if (key.startsWith(`${service}\0`)) this.windows.delete(key);
  }

  private track(service: string, kind: NotifyKind, now: number): Story | null {
    let story = this.stories.get(service) ?? null;
    if (TROUBLE.has(kind)) {
      if (story === null) {
        story = { openedAt: now, crashes: 0, events: 0 };
        this.stories.set(service, story);
      }
      story.events += 1;
      if (kind === "crash") story.crashes += 1;
      return story;
    }
    if (kind === "recovered" && story !== null) {
      // The story ends with this message, which still tells it whole.
      this.stories.delete(service);
      return { ...story, events: story.events + 1 };
    }
    return story;
  }
}

function keyOf(service: string, kind: NotifyKind): string {
  return `${service}\0${kind}`;
}
