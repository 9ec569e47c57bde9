/**
 * A follower of the daemon's event stream (`GET /api/v1/events?follow=1`, server-sent events
 * over the control socket) that stamps each event with the moment it arrived here. The bench
 * process sits idle in epoll between events, so the stamp is the daemon's announcement plus one
 * local socket hop (tens of microseconds), not a polling interval.
 */
import { request, type ClientRequest } from "node:http";
import { performance } from "node:perf_hooks";
import type { EventJson } from "../src/api/wire.js";

export interface ArrivedEvent {
  /** performance.now() when the chunk holding the event was read. */
  at: number;
  event: EventJson;
}

interface Waiter {
  predicate: (e: EventJson) => boolean;
  resolve: (arrived: ArrivedEvent) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class EventStream {
  private readonly waiters = new Set<Waiter>();
  private readonly listeners = new Set<(arrived: ArrivedEvent) => void>();
  private pending = "";

  private constructor(private readonly req: ClientRequest) {}

  /**
   * Follow the stream; `n` old events come first (the snapshot), then live ones. `onEvent` is
   * registered before the first byte is read, so it also sees the snapshot. n must be ≥ 1: the
   * daemon sends its response headers with the first event, so with n=0 on a quiet daemon the
   * response (and this promise) would wait for the next event.
   */
  static open(
    socketPath: string,
    n: number,
    onEvent?: (arrived: ArrivedEvent) => void,
  ): Promise<EventStream> {
    return new Promise((resolve, reject) => {
      const req = request({ socketPath, method: "GET", path: `/api/v1/events?follow=1&n=${n}` });
      const stream = new EventStream(req);
      if (onEvent) stream.subscribe(onEvent);
      req.on("response", (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`the event stream answered HTTP ${res.statusCode}`));
          return;
        }
        res.on("data", (chunk: Buffer) => stream.onChunk(chunk, performance.now()));
        resolve(stream);
      });
      req.on("error", reject);
      req.end();
    });
  }

  /** Call `fn` for every event from now on; returns the unsubscribe function. */
  subscribe(fn: (arrived: ArrivedEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The first event arriving after this call that matches; rejects after `timeoutMs`. */
  next(predicate: (e: EventJson) => boolean, what: string, timeoutMs = 10_000): Promise<ArrivedEvent> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} on the event stream`));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  close(): void {
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error("the event stream was closed"));
    }
    this.waiters.clear();
    this.req.destroy();
  }

  private onChunk(chunk: Buffer, at: number): void {
    this.pending += chunk.toString("utf8");
    let end = this.pending.indexOf("\n\n");
    while (end >= 0) {
      const block = this.pending.slice(0, end);
      this.pending = this.pending.slice(end + 2);
      for (const line of block.split("\n")) {
        if (line.startsWith("data: ")) this.deliver({ at, event: JSON.parse(line.slice(6)) as EventJson });
      }
      end = this.pending.indexOf("\n\n");
    }
  }

  private deliver(arrived: ArrivedEvent): void {
    for (const fn of this.listeners) fn(arrived);
    for (const waiter of [...this.waiters]) {
      if (!waiter.predicate(arrived.event)) continue;
      clearTimeout(waiter.timer);
      this.waiters.delete(waiter);
      waiter.resolve(arrived);
    }
  }
}
