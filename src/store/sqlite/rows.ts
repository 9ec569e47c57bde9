/**
 * Mapping between the interface's records and SQLite rows (snake_case columns, JSON in TEXT).
 * Reading checks what the types promise: a row that does not decode is reported as corruption
 * (RowDecodeError, turned into STORE_CORRUPT by the store) instead of leaking a malformed record.
 */
import {
  DESIRED_STATES,
  EVENT_KINDS,
  type DesiredState,
  type EventKind,
  type EventRecord,
  type NewEvent,
  type ProcessRecord,
  type ServiceRecord,
} from "../store.js";

export interface ServiceRow {
  host_id: string;
  service: string;
  desired: string;
  state: string;
  reason: string;
  since: number;
  restarts: number;
  last_exit_code: number | null;
  last_signal: string | null;
  attempts: string;
}

export interface ProcessRow {
  host_id: string;
  service: string;
  pid: number;
  start_time: number;
  boot_id: string;
  argv: string;
  pgid: number;
  run_id: string;
  cgroup: string | null;
  started_at: number;
  /** JSON object of key path → digest; NULL when written before schema version 2. */
  shape: string | null;
}

/** A row to insert: `id` null lets SQLite number it (max(id) + 1). */
export type NewEventRow = Omit<EventRow, "id"> & { id: number | null };

export interface EventRow {
  id: number;
  host_id: string;
  ts: number;
  service: string | null;
  kind: string;
  from_state: string | null;
  to_state: string | null;
  reason: string;
  details: string;
}

/** A stored row that does not decode into its record: the store reports it as corruption. */
export class RowDecodeError extends Error {
  constructor(table: string, key: string, problem: string) {
    super(`${table} row ${key}: ${problem}`);
    this.name = "RowDecodeError";
  }
}

function parseJson(table: string, key: string, column: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new RowDecodeError(table, key, `column ${column} is not valid JSON (${(err as Error).message})`);
  }
}

function isNumberArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((item) => typeof item === "number");
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** ServiceRecord → row. */
export function serviceToRow(record: ServiceRecord): ServiceRow {
  return {
    host_id: record.hostId,
    service: record.service,
    desired: record.desired,
    state: record.state,
    reason: record.reason,
    since: record.since,
    restarts: record.restarts,
    last_exit_code: record.lastExitCode,
    last_signal: record.lastSignal,
    attempts: JSON.stringify(record.attempts),
  };
}

/** Row → ServiceRecord, checking the desired state and the attempts list. */
export function serviceFromRow(row: ServiceRow): ServiceRecord {
  const key = `${row.host_id}/${row.service}`;
  if (!(DESIRED_STATES as readonly string[]).includes(row.desired)) {
    throw new RowDecodeError(
      "services",
      key,
      `desired is "${row.desired}", not one of ${DESIRED_STATES.join(", ")}`,
    );
  }
  const attempts = parseJson("services", key, "attempts", row.attempts);
  if (!isNumberArray(attempts))
    throw new RowDecodeError("services", key, "attempts is not a list of numbers");
  return {
    hostId: row.host_id,
    service: row.service,
    desired: row.desired as DesiredState,
    state: row.state,
    reason: row.reason,
    since: row.since,
    restarts: row.restarts,
    lastExitCode: row.last_exit_code,
    lastSignal: row.last_signal,
    attempts,
  };
}

/** ProcessRecord → row. */
export function processToRow(record: ProcessRecord): ProcessRow {
  return {
    host_id: record.hostId,
    service: record.service,
    pid: record.pid,
    start_time: record.startTime,
    boot_id: record.bootId,
    argv: JSON.stringify(record.argv),
    pgid: record.pgid,
    run_id: record.runId,
    cgroup: record.cgroup,
    started_at: record.startedAt,
    shape: record.shape === null ? null : JSON.stringify(record.shape),
  };
}

/** Row → ProcessRecord, checking argv and shape. */
export function processFromRow(row: ProcessRow): ProcessRecord {
  const key = `${row.host_id}/${row.service}`;
  const argv = parseJson("processes", key, "argv", row.argv);
  if (!isStringArray(argv)) {
    throw new RowDecodeError("processes", key, "argv is not a list of strings");
  }
  const shape = row.shape === null ? null : parseJson("processes", key, "shape", row.shape);
  if (shape !== null && !(isPlainObject(shape) && Object.values(shape).every((v) => typeof v === "string"))) {
    throw new RowDecodeError("processes", key, "shape is not an object of strings");
  }
  return {
    hostId: row.host_id,
    service: row.service,
    pid: row.pid,
    startTime: row.start_time,
    bootId: row.boot_id,
    argv,
    pgid: row.pgid,
    runId: row.run_id,
    cgroup: row.cgroup,
    startedAt: row.started_at,
    shape: shape as Record<string, string> | null,
  };
}

/** NewEvent + host → row to insert (no id: the database assigns it). */
export function eventToRow(hostId: string, event: NewEvent): NewEventRow {
  return {
    id: event.id ?? null,
    host_id: hostId,
    ts: event.ts,
    service: event.service,
    kind: event.kind,
    from_state: event.from ?? null,
    to_state: event.to ?? null,
    reason: event.reason,
    details: JSON.stringify(event.details ?? {}),
  };
}

/** Row → EventRecord, checking the kind and the details object. */
export function eventFromRow(row: EventRow): EventRecord {
  const key = `#${row.id}`;
  if (!(EVENT_KINDS as readonly string[]).includes(row.kind)) {
    throw new RowDecodeError("events", key, `kind "${row.kind}" is not a known event kind`);
  }
  const details = parseJson("events", key, "details", row.details);
  if (!isPlainObject(details)) throw new RowDecodeError("events", key, "details is not a JSON object");
  return {
    id: row.id,
    hostId: row.host_id,
    ts: row.ts,
    service: row.service,
    kind: row.kind as EventKind,
    from: row.from_state,
    to: row.to_state,
    reason: row.reason,
    details,
  };
}
