/**
 * The live view of every service: one EventSource on /api/v1/status?follow=1 (a snapshot,
 * then only what changed), no polling per row. Changes are applied at once and listeners are
 * told once per animation frame, so a burst of events costs one render.
 */
import type { DaemonStatusJson, ServiceStatusJson } from "./wire";

export type Connection = "connecting" | "live" | "reconnecting" | "logged-out";

export interface StatusModel {
  daemon: DaemonStatusJson | null;
  /** In config order; a service object is replaced when it changes, kept when it does not. */
  services: Map<string, ServiceStatusJson>;
  /** When each service's view arrived: uptime counts on from there. */
  receivedAt: Map<string, number>;
  connection: Connection;
  /** Bumped on every change, for memoised views. */
  version: number;
}

type Listener = () => void;

export class StatusStore {
  readonly model: StatusModel = {
    daemon: null,
    services: new Map(),
    receivedAt: new Map(),
    connection: "connecting",
    version: 0,
  };
  private readonly listeners = new Set<Listener>();
  private frame: number | null = null;
  private source: EventSource | null = null;

  connect(): void {
    const source = new EventSource("/api/v1/status?follow=1");
    this.source = source;
    source.addEventListener("snapshot", (e) => {
      const data = JSON.parse((e as MessageEvent<string>).data) as {
        daemon: DaemonStatusJson;
        services: ServiceStatusJson[];
      };
      const now = Date.now();
      this.model.daemon = data.daemon;
      this.model.services = new Map(data.services.map((s) => [s.name, s]));
      this.model.receivedAt = new Map(data.services.map((s) => [s.name, now]));
      this.model.connection = "live";
      this.changed();
    });
    source.addEventListener("changes", (e) => {
      const data = JSON.parse((e as MessageEvent<string>).data) as {
        daemon?: DaemonStatusJson;
        services: ServiceStatusJson[];
        removed: string[];
      };
      const now = Date.now();
      if (data.daemon) this.model.daemon = data.daemon;
      for (const s of data.services) {
        this.model.services.set(s.name, s);
        this.model.receivedAt.set(s.name, now);
      }
      for (const name of data.removed) {
        this.model.services.delete(name);
        this.model.receivedAt.delete(name);
      }
      this.changed();
    });
    source.onerror = () => {
      // The browser retries by itself while the stream can come back; a refused session
      // (401) closes it for good: the page then says how to log in again.
      this.model.connection = source.readyState === EventSource.CLOSED ? "logged-out" : "reconnecting";
      this.changed();
    };
  }

  close(): void {
    this.source?.close();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    this.model.version++;
    if (this.frame !== null) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = null;
      for (const listener of this.listeners) listener();
    });
  }
}

/** Uptime now: the daemon's figure plus the time since it arrived. */
export function uptimeOf(model: StatusModel, s: ServiceStatusJson, now: number): number | null {
  if (s.uptime_ms === null) return null;
  return s.uptime_ms + (now - (model.receivedAt.get(s.name) ?? now));
}
