/**
 * GET /api/v1/status?follow=1: the dashboard's live view. The first message (`snapshot`) is the
 * whole status; then a `changes` message carries only the services whose view changed (and the
 * names of those removed by a config reload): within EVENT_DELAY_MS of an event (at most one
 * such message per MIN_GAP_MS), and every TICK_MS for what changes without one (CPU and
 * memory, sampled every 5 s anyway; health counts; ports and children found). One view per moment is serialized for every open stream
 * (sharedView), so a second page costs a comparison of strings, not another serialization.
 * Memory stays bounded whatever the client does: the stream keeps the last key it sent per
 * service, not a queue. A client that leaves more than HIGH_WATER_BYTES unread is skipped until
 * it drains; it then gets the difference to what it last received, so nothing is lost, only
 * intermediate values. `uptime_ms` alone changing is no change: the page counts it on.
 * A browser gets the stream gzipped (flushed after each message): a snapshot of 1000 services
 * is ≈550 KB as JSON and 23 KB compressed (docs/dashboard.md), which matters through an SSH
 * tunnel or a proxy. The compressor's window is kept small: it lives as long as the page does.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { lazyBuiltin } from "../core/lazy-builtin.js";
import type { Supervisor } from "../supervisor/supervisor.js";
import { serializeDaemon, serializeService } from "./serialize.js";

const zlib = lazyBuiltin<typeof import("node:zlib")>("node:zlib");

const TICK_MS = 2_000;
/** After an event, changes go out this soon (events come in bursts: one message for a burst). */
const EVENT_DELAY_MS = 50;
/** Event-driven messages are at least this far apart: a crash loop costs 4 views a second, not one per event. */
const MIN_GAP_MS = 250;
/** A view this young is shared by the streams that tick at about the same time. */
const SHARED_VIEW_MS = 500;
const HIGH_WATER_BYTES = 256 * 1024;
const KEEPALIVE_MS = 20_000;

/** A service's view as sent (`text`) and as compared (`key`: the same without uptime_ms). */
interface Entry {
  text: string;
  key: string;
}
interface View {
  at: number;
  daemon: string;
  services: Map<string, Entry>;
}
const views = new WeakMap<Supervisor, View>();

/** The status now, serialized once for the streams of this supervisor that ask within SHARED_VIEW_MS. */
function sharedView(supervisor: Supervisor, now: number): View {
  const cached = views.get(supervisor);
  if (cached !== undefined && now >= cached.at && now - cached.at < SHARED_VIEW_MS) return cached;
  const services = new Map<string, Entry>();
  for (const runner of supervisor.runners.values()) {
    const service = serializeService(supervisor, runner, now);
    services.set(runner.name, {
      text: JSON.stringify(service),
      key: JSON.stringify({ ...service, uptime_ms: null }),
    });
  }
  const view = { at: now, daemon: JSON.stringify(serializeDaemon(supervisor)), services };
  views.set(supervisor, view);
  return view;
}

export function followStatus(supervisor: Supervisor, req: IncomingMessage, res: ServerResponse): void {
  const gzip = /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""))
    ? zlib().createGzip({ level: 6, windowBits: 13, memLevel: 6 })
    : null;
  res.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-store",
    vary: "accept-encoding",
    ...(gzip ? { "content-encoding": "gzip" } : {}),
  });
  if (gzip) {
    gzip.pipe(res);
    // Fails only once the response is gone: there is nobody left to tell.
    gzip.on("error", () => res.destroy());
  }
  const out = gzip ?? res;
  const unread = (): number => res.writableLength + (gzip ? gzip.writableLength + gzip.readableLength : 0);
  const sent = new Map<string, string>();
  let sentDaemon = "";
  let lastWrite = Date.now();
  let soon: NodeJS.Timeout | null = null;
  let lastTick = 0;

  const write = (text: string): void => {
    out.write(text);
    gzip?.flush(zlib().constants.Z_SYNC_FLUSH);
    lastWrite = Date.now();
  };
  const send = (event: string, data: string): void => write(`event: ${event}\ndata: ${data}\n\n`);

  const tick = (): void => {
    if (soon !== null) clearTimeout(soon);
    soon = null;
    const now = Date.now();
    lastTick = now;
    if (unread() > HIGH_WATER_BYTES) return; // a slow reader: try again at the next tick
    const view = sharedView(supervisor, now);
    const changed: string[] = [];
    for (const [name, entry] of view.services) {
      if (sent.get(name) === entry.key) continue;
      sent.set(name, entry.key);
      changed.push(entry.text);
    }
    const removed = [...sent.keys()].filter((name) => !view.services.has(name));
    for (const name of removed) sent.delete(name);
    const daemonChanged = view.daemon !== sentDaemon;
    sentDaemon = view.daemon;
    if (changed.length > 0 || removed.length > 0 || daemonChanged) {
      const daemon = daemonChanged ? `"daemon":${view.daemon},` : "";
      send("changes", `{${daemon}"services":[${changed.join(",")}],"removed":${JSON.stringify(removed)}}`);
    } else if (now - lastWrite > KEEPALIVE_MS) {
      write(": keepalive\n\n");
    }
  };

  // The snapshot: every service, in config order.
  const first = sharedView(supervisor, Date.now());
  for (const [name, entry] of first.services) sent.set(name, entry.key);
  sentDaemon = first.daemon;
  const all = [...first.services.values()].map((entry) => entry.text).join(",");
  send("snapshot", `{"daemon":${first.daemon},"services":[${all}]}`);

  const timer = setInterval(tick, TICK_MS);
  const unsubscribe = supervisor.bus.subscribe(() => {
    // A shared view made before this event would hide it: the next tick serializes anew.
    views.delete(supervisor);
    soon ??= setTimeout(tick, Math.max(EVENT_DELAY_MS, lastTick + MIN_GAP_MS - Date.now()));
  });
  res.on("close", () => {
    clearInterval(timer);
    if (soon !== null) clearTimeout(soon);
    unsubscribe();
    gzip?.destroy();
  });
}
