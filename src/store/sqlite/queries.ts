/**
 * Every SQL statement the store runs, prepared once per connection: preparing costs more than
 * running, and the daemon writes an event per state change. Each write is one statement, so
 * SQLite's autocommit makes it one transaction.
 */
import type Database from "better-sqlite3";
import type { IncidentRow, IncidentSummaryRow, NewIncidentRow } from "./incident-rows.js";
import type { EventRow, NewEventRow, ProcessRow, ServiceRow } from "./rows.js";

/** Parameters of the event listings: host, lower id bound (exclusive), row limit (-1: none). */
interface EventWindow {
  host_id: string;
  after_id: number;
  limit: number;
}

const SERVICE_COLUMNS =
  "host_id, service, desired, state, reason, since, restarts, last_exit_code, last_signal, attempts";
const PROCESS_COLUMNS =
  "host_id, service, pid, start_time, boot_id, argv, pgid, run_id, cgroup, started_at, shape";
const EVENT_COLUMNS = "id, host_id, ts, service, kind, from_state, to_state, reason, details";
const INCIDENT_SUMMARY_COLUMNS = "id, host_id, ts, service, kind, summary";
const INCIDENTS_NEWEST = `SELECT ${INCIDENT_SUMMARY_COLUMNS} FROM incidents WHERE host_id = @host_id`;

/** Parameters of the incident listings: host and row limit (-1: none). */
interface IncidentWindow {
  host_id: string;
  limit: number;
}

// Upserts name the primary key in ON CONFLICT, which PostgreSQL also speaks.
const UPSERT_SERVICE = `
  INSERT INTO services (${SERVICE_COLUMNS})
  VALUES (@host_id, @service, @desired, @state, @reason, @since, @restarts, @last_exit_code, @last_signal, @attempts)
  ON CONFLICT (host_id, service) DO UPDATE SET
    desired = excluded.desired, state = excluded.state, reason = excluded.reason, since = excluded.since,
    restarts = excluded.restarts, last_exit_code = excluded.last_exit_code,
    last_signal = excluded.last_signal, attempts = excluded.attempts`;

const UPSERT_PROCESS = `
  INSERT INTO processes (${PROCESS_COLUMNS})
  VALUES (@host_id, @service, @pid, @start_time, @boot_id, @argv, @pgid, @run_id, @cgroup, @started_at, @shape)
  ON CONFLICT (host_id, service) DO UPDATE SET
    pid = excluded.pid, start_time = excluded.start_time, boot_id = excluded.boot_id, argv = excluded.argv,
    pgid = excluded.pgid, run_id = excluded.run_id, cgroup = excluded.cgroup, started_at = excluded.started_at,
    shape = excluded.shape`;

// Newest first so LIMIT keeps the newest (the store reverses to oldest first); or oldest first
// for a follower's next page.
const EVENTS_NEWEST = `SELECT ${EVENT_COLUMNS} FROM events WHERE host_id = @host_id AND id > @after_id`;

/** The prepared statements of one connection. */
export interface Queries {
  getService: Database.Statement<[{ host_id: string; service: string }], ServiceRow>;
  listServices: Database.Statement<[{ host_id: string }], ServiceRow>;
  putService: Database.Statement<[ServiceRow]>;
  deleteService: Database.Statement<[{ host_id: string; service: string }]>;
  getProcess: Database.Statement<[{ host_id: string; service: string }], ProcessRow>;
  listProcesses: Database.Statement<[{ host_id: string }], ProcessRow>;
  putProcess: Database.Statement<[ProcessRow]>;
  deleteProcess: Database.Statement<[{ host_id: string; service: string }]>;
  insertEvent: Database.Statement<[NewEventRow]>;
  eventsAll: Database.Statement<[EventWindow], EventRow>;
  eventsOfService: Database.Statement<[EventWindow & { service: string }], EventRow>;
  /** Services in [low, high): all instances `web@*` when low = "web@" and high = "webA". */
  eventsOfRange: Database.Statement<[EventWindow & { low: string; high: string }], EventRow>;
  /** The same three, oldest first: the oldest `limit` events after an id (a follower's pages). */
  eventsAllOldest: Database.Statement<[EventWindow], EventRow>;
  eventsOfServiceOldest: Database.Statement<[EventWindow & { service: string }], EventRow>;
  eventsOfRangeOldest: Database.Statement<[EventWindow & { low: string; high: string }], EventRow>;
  /** The id of the event `offset` places below the newest, if there is one. */
  eventIdAtOffset: Database.Statement<[{ offset: number }], { id: number }>;
  deleteEventsUpTo: Database.Statement<[{ id: number }]>;
  listHostIds: Database.Statement<[], { host_id: string }>;
  insertIncident: Database.Statement<[NewIncidentRow]>;
  getIncident: Database.Statement<[{ host_id: string; id: number }], IncidentRow>;
  incidentsAll: Database.Statement<[IncidentWindow], IncidentSummaryRow>;
  incidentsOfService: Database.Statement<[IncidentWindow & { service: string }], IncidentSummaryRow>;
  incidentsOfRange: Database.Statement<[IncidentWindow & { low: string; high: string }], IncidentSummaryRow>;
  /** Retention: all but the newest `keep`, and those older than `before`. */
  incidentIdAtOffset: Database.Statement<[{ offset: number }], { id: number }>;
  deleteIncidentsUpTo: Database.Statement<[{ id: number }]>;
  deleteIncidentsBefore: Database.Statement<[{ before: number }]>;
}

/** Prepares every statement on `db` (the schema must already be current). */
export function prepareQueries(db: Database.Database): Queries {
  return {
    getService: db.prepare(
      `SELECT ${SERVICE_COLUMNS} FROM services WHERE host_id = @host_id AND service = @service`,
    ),
    listServices: db.prepare(
      `SELECT ${SERVICE_COLUMNS} FROM services WHERE host_id = @host_id ORDER BY service`,
    ),
    putService: db.prepare(UPSERT_SERVICE),
    deleteService: db.prepare("DELETE FROM services WHERE host_id = @host_id AND service = @service"),
    getProcess: db.prepare(
      `SELECT ${PROCESS_COLUMNS} FROM processes WHERE host_id = @host_id AND service = @service`,
    ),
    listProcesses: db.prepare(
      `SELECT ${PROCESS_COLUMNS} FROM processes WHERE host_id = @host_id ORDER BY service`,
    ),
    putProcess: db.prepare(UPSERT_PROCESS),
    deleteProcess: db.prepare("DELETE FROM processes WHERE host_id = @host_id AND service = @service"),
    insertEvent: db.prepare(
      `INSERT INTO events (id, host_id, ts, service, kind, from_state, to_state, reason, details)
       VALUES (@id, @host_id, @ts, @service, @kind, @from_state, @to_state, @reason, @details)`,
    ),
    eventsAll: db.prepare(`${EVENTS_NEWEST} ORDER BY id DESC LIMIT @limit`),
    eventsOfService: db.prepare(`${EVENTS_NEWEST} AND service = @service ORDER BY id DESC LIMIT @limit`),
    eventsOfRange: db.prepare(
      `${EVENTS_NEWEST} AND service >= @low AND service < @high ORDER BY id DESC LIMIT @limit`,
    ),
    eventsAllOldest: db.prepare(`${EVENTS_NEWEST} ORDER BY id LIMIT @limit`),
    eventsOfServiceOldest: db.prepare(`${EVENTS_NEWEST} AND service = @service ORDER BY id LIMIT @limit`),
    eventsOfRangeOldest: db.prepare(
      `${EVENTS_NEWEST} AND service >= @low AND service < @high ORDER BY id LIMIT @limit`,
    ),
    eventIdAtOffset: db.prepare("SELECT id FROM events ORDER BY id DESC LIMIT 1 OFFSET @offset"),
    deleteEventsUpTo: db.prepare("DELETE FROM events WHERE id <= @id"),
    listHostIds: db.prepare(
      "SELECT host_id FROM services UNION SELECT host_id FROM processes UNION SELECT host_id FROM events ORDER BY 1",
    ),
    insertIncident: db.prepare(
      `INSERT INTO incidents (host_id, ts, service, kind, summary, evidence)
       VALUES (@host_id, @ts, @service, @kind, @summary, @evidence)`,
    ),
    getIncident: db.prepare(
      `SELECT ${INCIDENT_SUMMARY_COLUMNS}, evidence FROM incidents WHERE host_id = @host_id AND id = @id`,
    ),
    incidentsAll: db.prepare(`${INCIDENTS_NEWEST} ORDER BY id DESC LIMIT @limit`),
    incidentsOfService: db.prepare(
      `${INCIDENTS_NEWEST} AND service = @service ORDER BY id DESC LIMIT @limit`,
    ),
    incidentsOfRange: db.prepare(
      `${INCIDENTS_NEWEST} AND service >= @low AND service < @high ORDER BY id DESC LIMIT @limit`,
    ),
    incidentIdAtOffset: db.prepare("SELECT id FROM incidents ORDER BY id DESC LIMIT 1 OFFSET @offset"),
    deleteIncidentsUpTo: db.prepare("DELETE FROM incidents WHERE id <= @id"),
    deleteIncidentsBefore: db.prepare("DELETE FROM incidents WHERE ts < @before"),
  };
}
