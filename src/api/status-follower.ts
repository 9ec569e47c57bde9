/**
 * GET /api/v1/status?follow=1: the dashboard's live view. The first message (`snapshot`) is the
 * whole status; then a `changes` message carries only the services whose view changed (and the
 * names of those removed by a config reload), at most every TICK_MS, sooner after an event.
 * Memory stays bounded whatever the client does: the stream keeps the last JSON it sent per
 * service, not a queue. A client that leaves more than HIGH_WATER_BYTES unread is skipped until
 * it drains; it then gets the difference to what it last received, so nothing is lost, only
 * intermediate values. `uptime_ms` alone changing is no change: the page counts it on.
 * A browser gets the stream gzipped (flushed after each message): a snapshot of 1000 services
 * is ≈550 KB as JSON and a fraction of that compressed (docs/dashboard.md), which matters
 * through an SSH tunnel or a proxy. The compressor's window is kept small: it lives as long as
 * the page does.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { constants, createGzip } from "node:zlib";
import type { Supervisor } from "../supervisor/supervisor.js";
import { serializeDaemon, serializeService } from "./serialize.js";
import type { ServiceStatusJson } from "./wire.js";

const TICK_MS = 1_000;
/** After an event, changes go out this soon (events come in bursts: one message for a burst). */
const EVENT_DELAY_MS = 50;
const HIGH_WATER_BYTES = 256 * 1024;
const KEEPALIVE_MS = 20_000;

export function followStatus(supervisor: Supervisor, req: IncomingMessage, res: ServerResponse): void {
  const gzip = /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""))
    ? createGzip({ level: 6, windowBits: 13, memLevel: 6 })
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

  const viewOf = (now: number): { daemon: string; services: Map<string, ServiceStatusJson> } => {
    const services = new Map<string, ServiceStatusJson>();
    for (const runner of supervisor.runners.values()) {
      services.set(runner.name, serializeService(supervisor, runner, now));
    }
    return { daemon: JSON.stringify(serializeDaemon(supervisor)), services };
  };
  const write = (text: string): void => {
    out.write(text);
    gzip?.flush(constants.Z_SYNC_FLUSH);
    lastWrite = Date.now();
  };
  const send = (event: string, data: string): void => write(`event: ${event}\ndata: ${data}\n\n`);

  const tick = (): void => {
    if (soon !== null) clearTimeout(soon);
    soon = null;
    const now = Date.now();
    if (unread() > HIGH_WATER_BYTES) return; // a slow reader: try again at the next tick
    const view = viewOf(now);
    const changed: ServiceStatusJson[] = [];
    for (const [name, service] of view.services) {
      const key = JSON.stringify({ ...service, uptime_ms: null });
      if (sent.get(name) === key) continue;
      sent.set(name, key);
      changed.push(service);
    }
    const removed = [...sent.keys()].filter((name) => !view.services.has(name));
    for (const name of removed) sent.delete(name);
    const daemonChanged = view.daemon !== sentDaemon;
    sentDaemon = view.daemon;
    if (changed.length > 0 || removed.length > 0 || daemonChanged) {
      const daemon = daemonChanged ? `"daemon":${view.daemon},` : "";
      send(
        "changes",
        `{${daemon}"services":${JSON.stringify(changed)},"removed":${JSON.stringify(removed)}}`,
      );
    } else if (now - lastWrite > KEEPALIVE_MS) {
      write(": keepalive\n\n");
    }
  };

  // The snapshot: every service, in config order.
  const first = viewOf(Date.now());
  for (const [name, service] of first.services)
    sent.set(name, JSON.stringify({ ...service, uptime_ms: null }));
  sentDaemon = first.daemon;
  send("snapshot", `{"daemon":${first.daemon},"services":${JSON.stringify([...first.services.values()])}}`);

  const timer = setInterval(tick, TICK_MS);
  const unsubscribe = supervisor.bus.subscribe(() => {
    soon ??= setTimeout(tick, EVENT_DELAY_MS);
  });
  res.on("close", () => {
    clearInterval(timer);
    if (soon !== null) clearTimeout(soon);
    unsubscribe();
    gzip?.destroy();
  });
}
