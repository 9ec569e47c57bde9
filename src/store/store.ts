/**
 * The state store: service records, process records, events. One interface, several backends
 * (SQLite now, PostgreSQL later for a fleet sharing one view), so it speaks of records only:
 * no SQL, no rowids, no file paths. Every record carries the host id. Methods are async so a
 * networked backend fits; writes are transactional and durable when the promise resolves.
 */

import type { IncidentQuery, IncidentRecord, IncidentSummary, NewIncident } from "./incident-record.js";

/**
 * How many of the newest events a store keeps unless told otherwise: the default of the
 * config's `events_kept` (src/config/schema.ts), which the daemon passes.
 */
export const DEFAULT_EVENTS_KEPT = 100_000;

export const DESIRED_STATES = ["up", "down"] as const;
export type DesiredState = (typeof DESIRED_STATES)[number];

/** Identity of one process: PID + kernel start time + boot id (never a bare PID). */
export interface ProcessIdentity {
  pid: number;
  /** /proc/PID/stat field 22: start time in clock ticks since boot. */
  startTime: number;
  /** /proc/sys/kernel/random/boot_id */
  bootId: string;
}

/** A process upkeep started (or adopted) for a service. */
export interface ProcessRecord extends ProcessIdentity {
  hostId: string;
  service: string;
  argv: string[];
  /** Process group and session the service was started in (its own: pgid = sid = pid). */
  pgid: number;
  /** Per-start marker set as UPKEEP_RUN_ID in the service's environment. */
  runId: string;
  /** The cgroup directory (absolute path under the cgroup2 mount) the service was started in, if any. */
  cgroup: string | null;
  /** Epoch milliseconds. */
  startedAt: number;
  /**
   * The process-shaping config it was started with: key path (command, type, cwd, env.NAME,
   * env_file, user, group) → digest of the value (src/config/process-shape.ts). Null in records
   * of an upkeep before schema version 2: what that process was started with is unknown.
   */
  shape: Record<string, string> | null;
}

/** What upkeep keeps about a service across daemon restarts. */
export interface ServiceRecord {
  hostId: string;
  service: string;
  /** What the operator asked for. Operator intent wins: `down` survives daemon restarts. */
  desired: DesiredState;
  /** Last observed state (one of SPEC §3's states) and why. */
  state: string;
  reason: string;
  since: number; // epoch ms of the last state change
  restarts: number; // automatic restarts counted since the service was added
  lastExitCode: number | null;
  lastSignal: string | null;
  /** Start attempts (epoch ms) inside the start-limit window. */
  attempts: number[];
}

export const EVENT_KINDS = [
  "state", // a state transition: from -> to, with a reason
  "spawn", // a process was started: pid, argv
  "exit", // a process ended: code/signal or "status unknown"
  "adopted", // a live recorded process was taken over by a new daemon
  "stale", // a record named a process that is gone or is another program now
  "action", // an operator action (start/stop/restart/reload/reset)
  "config", // config loaded, reloaded, rejected
  "daemon", // daemon started, stopping, stopped
  "log_dropped", // output could not be written; details say how many bytes
  "unhealthy",
  "crash",
  "failed",
  "recovered",
  "limit", // a `limits:` excess lasted its window: the figures; a restart follows
  "reload_failed", // `upkeep reload` failed: the service died on it, or its command or READY=1 failed
  "notify_failed", // a notification could not be delivered (a try failed, or it was given up): channel, error, next try
  "notify_dropped", // notifications were dropped because too many waited: how many
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export interface NewEvent {
  /**
   * Normally left out: the store numbers events. Given, it must be above every stored id: the
   * write buffer (buffered-store.ts) stores the events it numbered while the store could not
   * be written, under the ids its followers have already seen.
   */
  id?: number;
  /** Epoch ms. */
  ts: number;
  /** null for daemon-wide events. */
  service: string | null;
  kind: EventKind;
  from?: string | null;
  to?: string | null;
  reason: string;
  details?: Record<string, unknown>;
}

export interface EventRecord extends NewEvent {
  id: number; // increasing; followers resume after an id
  hostId: string;
  from: string | null;
  to: string | null;
  details: Record<string, unknown>;
}

export interface EventQuery {
  service?: string; // exact name, or a prefix ending in "@" for all instances
  afterId?: number;
  /** The newest `limit` events, returned oldest first. */
  limit?: number;
  /** Take the oldest `limit` events after `afterId` instead (a follower's next page). */
  oldestFirst?: boolean;
}

/**
 * Writes that belong together (a state change: its service record and events; a start: also
 * the process record), stored in one transaction: one commit instead of one per write, and
 * never half of them. Written in this order: process record, service record, events.
 */
export interface WriteBatch {
  process?: ProcessRecord;
  service?: ServiceRecord;
  events: NewEvent[];
}

/**
 * One notification waiting to go out through one channel (docs/notify.md, "Delivery"). Its id
 * is stable across daemons: receivers dedupe on it (webhook `Upkeep-Delivery`, mail Message-ID).
 */
export interface OutboxRecord {
  id: string;
  hostId: string;
  /** exec, webhook or email. */
  channel: string;
  service: string | null;
  /** The notify event kind (crash, failed, ..., test). */
  kind: string;
  createdAt: number;
  /** Tries made so far. */
  attempts: number;
  /** Epoch ms of the next try. */
  nextAt: number;
  lastError: string | null;
  /** The message as the channels send it (subject, body, event JSON). */
  message: Record<string, unknown>;
}

/** The outbox of notifications, kept in the state store so none is lost with the daemon. */
export interface OutboxStore {
  /** Inserts or replaces (by id) each record, in one transaction. */
  putOutbox(records: OutboxRecord[]): Promise<void>;
  /** Every waiting record of this host, oldest first. */
  listOutbox(): Promise<OutboxRecord[]>;
  /** Removes a record: delivered, given up, or dropped. */
  deleteOutbox(id: string): Promise<void>;
}

export interface StateStore {
  readonly hostId: string;

  getService(service: string): Promise<ServiceRecord | null>;
  listServices(): Promise<ServiceRecord[]>;
  putService(record: ServiceRecord): Promise<void>;
  deleteService(service: string): Promise<void>;

  /** The live-or-stale record of the service's main process, if any. */
  getProcess(service: string): Promise<ProcessRecord | null>;
  listProcesses(): Promise<ProcessRecord[]>;
  putProcess(record: ProcessRecord): Promise<void>;
  deleteProcess(service: string): Promise<void>;

  appendEvent(event: NewEvent): Promise<EventRecord>;
  listEvents(query: EventQuery): Promise<EventRecord[]>;

  /** Stores the batch in one transaction; resolves with its events as stored, in order. */
  writeBatch(batch: WriteBatch): Promise<EventRecord[]>;

  /**
   * Stores an incident (older ones beyond the store's retention go in the same transaction);
   * resolves with its id, or null when it waits in memory for the store (buffered-store.ts).
   */
  appendIncident(incident: NewIncident): Promise<number | null>;
  /** The newest incidents matching the query, oldest first, without their evidence. */
  listIncidents(query: IncidentQuery): Promise<IncidentSummary[]>;
  getIncident(id: number): Promise<IncidentRecord | null>;

  close(): Promise<void>;
}
