import type { ServerResponse } from "node:http";
import type { EventRecord, StateStore } from "../store/store.js";
import type { EventBus } from "../supervisor/event-bus.js";
import { serializeEvent } from "./serialize.js";

/**
 * One `events?follow=1` stream. Its memory is bounded whatever the follower does: a follower
 * is a cursor over the store, not a queue. Live events are written straight through while the
 * follower keeps up; once more than HIGH_WATER_BYTES sit unread, it stops taking live events
 * and, when the socket drains, reads what it missed from the store a page at a time (every
 * event is stored before it is published, so nothing is lost). A follower whose unread bytes do
 * not drain within STALL_LIMIT_MS (`upkeep events -f | less`, paused) is dropped with a final `dropped`
 * message naming the last event id it was sent: it resumes from there with `Last-Event-ID`.
 * Measured by test/regressions/slow-event-follower-bounded.test.ts, which prints the daemon's VmRSS.
 */
export const HIGH_WATER_BYTES = 64 * 1024;
export const STALL_LIMIT_MS = 10_000;
/** How long a dropped follower gets to take its last bytes before its connection is cut. */
const DROP_FLUSH_MS = 60_000;
const PAGE_EVENTS = 200;

/** Event streams open now, and dropped since the daemon started (for /metrics). */
export const followerFigures = { open: 0, dropped: 0 };

export interface FollowOptions {
  store: StateStore;
  bus: EventBus;
  /** The filter: an exact service name or its instances (`web` also takes `web@eu`). */
  service: string | undefined;
  /** Send the events after this id (a resume), or, when null, the newest `limit` first. */
  afterId: number | null;
  limit: number;
}

/** Stream events to `res` as server-sent events (`id:` is the event's store id) until it closes. */
export async function followEvents(res: ServerResponse, options: FollowOptions): Promise<void> {
  const { store, bus, service } = options;
  const matches = (e: EventRecord): boolean =>
    service === undefined || e.service === service || (e.service ?? "").startsWith(`${service}@`);
  let cursor = 0; // every event up to this id has been sent or skipped
  let sentId = options.afterId ?? 0; // the last id sent: where a dropped follower resumes
  let mode: "catching-up" | "live" | "waiting" | "closed" = "catching-up";
  let missed = false; // an event came while catching up: read the store once more

  const send = (e: EventRecord): void => {
    cursor = e.id;
    if (!matches(e)) return;
    sentId = e.id;
    res.write(frameOf(e));
  };
  // A function, so that TypeScript does not narrow `mode` across the awaits that change it.
  const isClosed = (): boolean => mode === "closed";
  const behind = (): boolean => res.writableLength > HIGH_WATER_BYTES;
  const unsubscribe = bus.subscribe((e) => {
    if (mode === "catching-up") missed = true;
    if (mode !== "live" || e.id <= cursor) return;
    send(e);
    if (behind()) {
      mode = "waiting";
      waitAndCatchUp().catch(fail);
    }
  });
  followerFigures.open += 1;
  res.on("close", () => {
    followerFigures.open -= 1;
    mode = "closed";
    unsubscribe();
  });

  /** Resolves true once the socket drained, false if it closed or was dropped first. */
  const drained = (): Promise<boolean> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        res.off("drain", onDrain);
        res.off("close", onClose);
        drop();
        resolve(false);
      }, STALL_LIMIT_MS);
      const onDrain = (): void => {
        clearTimeout(timer);
        res.off("close", onClose);
        resolve(!isClosed());
      };
      const onClose = (): void => {
        clearTimeout(timer);
        res.off("drain", onDrain);
        resolve(false);
      };
      res.once("drain", onDrain);
      res.once("close", onClose);
    });

  const catchUp = async (): Promise<void> => {
    mode = "catching-up";
    for (;;) {
      missed = false;
      const page = await store.listEvents({ afterId: cursor, limit: PAGE_EVENTS, oldestFirst: true });
      if (isClosed()) return;
      for (const e of page) {
        send(e);
        if (behind()) break;
      }
      if (behind()) {
        if (!(await drained())) return;
        mode = "catching-up";
      } else if (page.length === 0 && !missed) {
        mode = "live";
        return;
      }
    }
  };
  const waitAndCatchUp = async (): Promise<void> => {
    if (await drained()) await catchUp();
  };
  const drop = (): void => {
    followerFigures.dropped += 1;
    mode = "closed";
    unsubscribe();
    console.warn(
      `upkeep: dropped an event follower that left ${res.writableLength} bytes unread for ${STALL_LIMIT_MS / 1000} s (last event id sent: ${sentId})`,
    );
    const message = {
      reason: `this follower left its events unread for ${STALL_LIMIT_MS / 1000} s`,
      last_event_id: sentId,
      hint: `resume without loss: send the header Last-Event-ID: ${sentId} (or ?after=${sentId}); upkeep events -f does it by itself`,
    };
    res.end(`event: dropped\ndata: ${JSON.stringify(message)}\n\n`);
    // The peer may never read again: it gets a while to take what is buffered, then it is cut.
    const cut = setTimeout(() => res.destroy(), DROP_FLUSH_MS);
    cut.unref();
    res.once("close", () => clearTimeout(cut));
  };
  function fail(err: unknown): void {
    console.error("upkeep: an event stream failed:", err);
    res.destroy();
  }

  cursor = options.afterId ?? (await startCursor(store, service, options.limit));
  await catchUp();
}

/**
 * An event's SSE frame, made once however many followers send it: the bus hands every
 * follower the same record, so with 10 dashboards open during a crash loop the JSON of each
 * event is built once instead of 10 times (docs/benchmarks.md, "event fan-out").
 */
const frames = new WeakMap<EventRecord, string>();
function frameOf(e: EventRecord): string {
  let frame = frames.get(e);
  if (frame === undefined)
    frames.set(e, (frame = `id: ${e.id}\ndata: ${JSON.stringify(serializeEvent(e))}\n\n`));
  return frame;
}

/** The id just before the newest `limit` events of the service (or the newest id, for 0). */
async function startCursor(store: StateStore, service: string | undefined, limit: number): Promise<number> {
  const newest = await store.listEvents({ ...(service !== undefined ? { service } : {}), limit });
  const first = newest[0];
  if (first !== undefined) return first.id - 1;
  return (await store.listEvents({ limit: 1 }))[0]?.id ?? 0;
}
