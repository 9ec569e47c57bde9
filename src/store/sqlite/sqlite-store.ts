/**
 * The SQLite state store. better-sqlite3 is synchronous: each method does its work at call time
 * (so calls take effect in call order) and hands back a settled promise, which keeps the async
 * interface a networked backend needs. Open it with openSqliteStore (open.ts).
 */
import type Database from "better-sqlite3";
import { UpkeepError } from "../../core/errors.js";
import {
  DEFAULT_EVENTS_KEPT,
  type EventQuery,
  type EventRecord,
  type NewEvent,
  type ProcessRecord,
  type ServiceRecord,
  type StateStore,
  type WriteBatch,
} from "../store.js";
import {
  DEFAULT_INCIDENT_RETENTION,
  type IncidentQuery,
  type IncidentRecord,
  type IncidentRetention,
  type IncidentSummary,
  type NewIncident,
} from "../incident-record.js";
import { StoreFileWatch } from "./file-watch.js";
import { SqliteOutbox } from "./outbox.js";

import { incidentFromRow, incidentSummaryFromRow, incidentToRow } from "./incident-rows.js";
import { prepareQueries, type Queries } from "./queries.js";
import { rebuildStoreFile } from "./rebuild.js";
import {
  RowDecodeError,
  eventFromRow,
  eventToRow,
  processFromRow,
  processToRow,
  serviceFromRow,
  serviceToRow,
} from "./rows.js";
import { storeCorruptError, translateStoreError } from "./store-errors.js";

export { DEFAULT_EVENTS_KEPT } from "../store.js";

/**
 * How many inserts may pass between two prunes, as a share of the events kept: the table holds
 * at most 10% more than it keeps. Pruning by count as events come, not by the clock: a crash
 * loop writes thousands of events a second (the store grew 4 MB a minute when the daemon
 * pruned every 10 minutes).
 */
const PRUNE_SHARE = 0.1;

/** A StateStore on one SQLite file, plus SQLite-only upkeep (pruning). */
export class SqliteStore implements StateStore {
  readonly hostId: string;
  /** The database file, for messages. */
  readonly file: string;
  readonly readOnly: boolean;
  /** How many of the newest events appendEvent keeps (older ones are pruned as it goes). */
  readonly eventsKept: number;
  /** How many incidents are kept, and how old they may get (`incidents:`). */
  readonly incidentRetention: IncidentRetention;
  #db: Database.Database;
  #q: Queries;
  #files: StoreFileWatch | null;
  /** Opens the store file at a path for writing (open.ts), after a rebuild. */
  readonly #reopen: ((path: string) => Database.Database) | null;
  readonly #pruneEvery: number;
  #insertsSincePrune = 0;
  /** Runs its argument in BEGIN … COMMIT; made once per connection (building it per call cost more than the commit saved). */
  #transaction: (work: () => unknown) => unknown;
  /** The notification outbox in the same file (outbox.ts). */
  readonly outbox: SqliteOutbox;

  constructor(
    db: Database.Database,
    queries: Queries,
    options: {
      file: string;
      hostId: string;
      readOnly: boolean;
      reopen?: (path: string) => Database.Database;
      eventsKept?: number;
      incidentRetention?: IncidentRetention;
    },
  ) {
    this.#db = db;
    this.#q = queries;
    this.file = options.file;
    this.hostId = options.hostId;
    this.readOnly = options.readOnly;
    this.eventsKept = Math.max(1, options.eventsKept ?? DEFAULT_EVENTS_KEPT);
    this.#pruneEvery = Math.max(1, Math.ceil(this.eventsKept * PRUNE_SHARE));
    this.incidentRetention = options.incidentRetention ?? DEFAULT_INCIDENT_RETENTION;
    this.#transaction = db.transaction((work: () => unknown) => work());
    // Only a store that can open its file again is watched: the daemon's writer.
    this.#reopen = options.readOnly ? null : (options.reopen ?? null);
    this.#files = this.#reopen === null ? null : new StoreFileWatch(options.file);
    this.outbox = new SqliteOutbox(
      () => this.#db,
      this.hostId,
      (action, work) => this.#run(action, work),
    );
  }

  /**
   * Compares the store's files with what this connection has open (a few system calls). When
   * they were deleted under it, they are written anew from it, events included: nothing is
   * lost. A file someone else put at the path is never overwritten. Returns what was found and
   * whether it was made whole, or null when all is well (and for a read-only store).
   */
  checkFiles(): { problem: string; rebuilt: boolean } | null {
    if (this.#files === null || this.#reopen === null) return null;
    const losses = this.#files.losses();
    if (losses.length === 0) return null;
    const problem = losses.map((l) => l.message).join("; ");
    if (losses.some((l) => l.kind !== "deleted")) return { problem, rebuilt: false };
    let rebuilt;
    try {
      rebuilt = rebuildStoreFile(this.#db, this.file);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      return { problem: `${problem}; it could not be written anew (${why})`, rebuilt: false };
    }
    this.#db = this.#reopen(rebuilt.path);
    this.#q = prepareQueries(this.#db);
    this.#transaction = this.#db.transaction((work: () => unknown) => work());
    this.#files = new StoreFileWatch(rebuilt.path);
    return rebuilt.problem === null
      ? { problem, rebuilt: true }
      : { problem: `${problem}; ${rebuilt.problem}`, rebuilt: false };
  }

  getService(service: string): Promise<ServiceRecord | null> {
    return this.#run(`read service ${service}`, () => {
      const row = this.#q.getService.get({ host_id: this.hostId, service });
      return row ? serviceFromRow(row) : null;
    });
  }

  listServices(): Promise<ServiceRecord[]> {
    return this.#run("list services", () =>
      this.#q.listServices.all({ host_id: this.hostId }).map(serviceFromRow),
    );
  }

  putService(record: ServiceRecord): Promise<void> {
    return this.#run(`write service ${record.service}`, () => {
      this.#checkHost(record.hostId, `service ${record.service}`);
      this.#q.putService.run(serviceToRow(record));
    });
  }

  deleteService(service: string): Promise<void> {
    return this.#run(`delete service ${service}`, () => {
      this.#q.deleteService.run({ host_id: this.hostId, service });
    });
  }

  getProcess(service: string): Promise<ProcessRecord | null> {
    return this.#run(`read the process of ${service}`, () => {
      const row = this.#q.getProcess.get({ host_id: this.hostId, service });
      return row ? processFromRow(row) : null;
    });
  }

  listProcesses(): Promise<ProcessRecord[]> {
    return this.#run("list processes", () =>
      this.#q.listProcesses.all({ host_id: this.hostId }).map(processFromRow),
    );
  }

  putProcess(record: ProcessRecord): Promise<void> {
    return this.#run(`write the process of ${record.service}`, () => {
      this.#checkHost(record.hostId, `the process of ${record.service}`);
      this.#q.putProcess.run(processToRow(record));
    });
  }

  deleteProcess(service: string): Promise<void> {
    return this.#run(`delete the process of ${service}`, () => {
      this.#q.deleteProcess.run({ host_id: this.hostId, service });
    });
  }

  appendEvent(event: NewEvent): Promise<EventRecord> {
    // One statement is its own transaction (autocommit); with a prune due, the two are one.
    return this.#run(`append a ${event.kind} event`, () =>
      this.#insertsSincePrune + 1 >= this.#pruneEvery
        ? this.#inTransaction(() => this.#insert(event))
        : this.#insert(event),
    );
  }

  writeBatch(batch: WriteBatch): Promise<EventRecord[]> {
    return this.#run(`write the records and ${batch.events.length} events of a change`, () =>
      this.#inTransaction(() => {
        if (batch.process) {
          this.#checkHost(batch.process.hostId, `the process of ${batch.process.service}`);
          this.#q.putProcess.run(processToRow(batch.process));
        }
        if (batch.service) {
          this.#checkHost(batch.service.hostId, `service ${batch.service.service}`);
          this.#q.putService.run(serviceToRow(batch.service));
        }
        return batch.events.map((event) => this.#insert(event));
      }),
    );
  }

  // One event; every #pruneEvery-th insert also deletes what is beyond eventsKept, in the same
  // transaction: the event is stored and the table bounded, or neither.
  #insert(event: NewEvent): EventRecord {
    const row = eventToRow(this.hostId, event);
    const info = this.#q.insertEvent.run(row);
    this.#insertsSincePrune += 1;
    if (this.#insertsSincePrune >= this.#pruneEvery) {
      this.#deleteBeyond(this.eventsKept);
      this.#insertsSincePrune = 0;
    }
    // Decode what was stored, so the caller gets exactly what listEvents will return later.
    return eventFromRow({ ...row, id: Number(info.lastInsertRowid) });
  }

  /**
   * `work` in one transaction (a savepoint inside an open one). The prune counter is put back
   * if it rolls back: the deletes it counted did not happen.
   */
  #inTransaction<T>(work: () => T): T {
    const count = this.#insertsSincePrune;
    try {
      return this.#transaction(work) as T;
    } catch (err) {
      this.#insertsSincePrune = count;
      throw err;
    }
  }

  listEvents(query: EventQuery): Promise<EventRecord[]> {
    return this.#run("list events", () => {
      const window = {
        host_id: this.hostId,
        after_id: checkCount("afterId", query.afterId ?? 0),
        limit: query.limit === undefined ? -1 : checkCount("limit", query.limit),
      };
      const service = query.service;
      const oldest = query.oldestFirst === true;
      const q = this.#q;
      let rows;
      if (service === undefined) rows = (oldest ? q.eventsAllOldest : q.eventsAll).all(window);
      else if (service.endsWith("@")) {
        // Every name starting with "web@" sorts in ["web@", "webA"): '@' is 0x40, 'A' is 0x41,
        // and TEXT compares bytewise. A range, unlike LIKE, needs no escaping of % and _.
        const range = { ...window, low: service, high: `${service.slice(0, -1)}A` };
        rows = (oldest ? q.eventsOfRangeOldest : q.eventsOfRange).all(range);
      } else rows = (oldest ? q.eventsOfServiceOldest : q.eventsOfService).all({ ...window, service });
      return (oldest ? rows : rows.reverse()).map(eventFromRow);
    });
  }

  /**
   * Deletes all but the newest `keep` events (at least 1 is always kept, so event ids never
   * repeat; see schema.ts). Returns how many were deleted. The daemon calls it now and then.
   */
  pruneEvents(keep: number = this.eventsKept): Promise<number> {
    return this.#run("prune events", () => this.#deleteBeyond(checkCount("keep", keep)));
  }

  #deleteBeyond(keep: number): number {
    const boundary = this.#q.eventIdAtOffset.get({ offset: Math.max(1, keep) });
    return boundary ? this.#q.deleteEventsUpTo.run({ id: boundary.id }).changes : 0;
  }

  appendIncident(incident: NewIncident): Promise<number | null> {
    return this.#run(`store an incident of ${incident.service}`, () =>
      this.#inTransaction(() => {
        const info = this.#q.insertIncident.run(incidentToRow(this.hostId, incident));
        // Incidents come seldom (at most one per service per second): the retention runs with each.
        this.#deleteIncidentsBeyond(this.incidentRetention, incident.ts);
        return Number(info.lastInsertRowid);
      }),
    );
  }

  listIncidents(query: IncidentQuery): Promise<IncidentSummary[]> {
    return this.#run("list incidents", () => {
      const window = {
        host_id: this.hostId,
        limit: query.limit === undefined ? -1 : checkCount("limit", query.limit),
      };
      const { service } = query;
      const q = this.#q;
      const rows =
        service === undefined
          ? q.incidentsAll.all(window)
          : service.endsWith("@")
            ? q.incidentsOfRange.all({ ...window, low: service, high: `${service.slice(0, -1)}A` })
            : q.incidentsOfService.all({ ...window, service });
      return rows.reverse().map(incidentSummaryFromRow);
    });
  }

  getIncident(id: number): Promise<IncidentRecord | null> {
    return this.#run(`read incident ${id}`, () => {
      const row = this.#q.getIncident.get({ host_id: this.hostId, id: checkCount("id", id) });
      return row ? incidentFromRow(row) : null;
    });
  }

  /** Applies the incident retention now (at open: a lowered `keep` or `max_age`); returns how many went. */
  pruneIncidents(now: number = Date.now()): Promise<number> {
    return this.#run("prune incidents", () => this.#deleteIncidentsBeyond(this.incidentRetention, now));
  }

  #deleteIncidentsBeyond(retention: IncidentRetention, now: number): number {
    const boundary = this.#q.incidentIdAtOffset.get({ offset: Math.max(1, retention.keep) });
    const byCount = boundary ? this.#q.deleteIncidentsUpTo.run({ id: boundary.id }).changes : 0;
    return byCount + this.#q.deleteIncidentsBefore.run({ before: now - retention.maxAgeMs }).changes;
  }

  /** Every host id that has records in this file, to spot a host whose name changed. */
  listHostIds(): Promise<string[]> {
    return this.#run("list host ids", () => this.#q.listHostIds.all().map((row) => row.host_id));
  }

  /** Closes the database (a second call does nothing). */
  close(): Promise<void> {
    return this.#run("close", () => {
      if (this.#db.open) this.#db.close();
    });
  }

  // A record of another host would be written but never read back by this store: a caller bug.
  #checkHost(hostId: string, what: string): void {
    if (hostId !== this.hostId) {
      throw new UpkeepError(
        "INTERNAL",
        `cannot write ${what}: its hostId "${hostId}" is not this store's host "${this.hostId}"`,
        { details: { file: this.file, expected: this.hostId, got: hostId } },
      );
    }
  }

  #run<T>(action: string, work: () => T): Promise<T> {
    try {
      return Promise.resolve(work());
    } catch (err) {
      if (err instanceof RowDecodeError)
        return Promise.reject(storeCorruptError(this.file, err.message, err));
      return Promise.reject(translateStoreError(err, this.file, action, this.readOnly));
    }
  }
}

function checkCount(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new UpkeepError(
      "INTERNAL",
      `state store query: ${name} must be a whole number >= 0, got ${value}`,
      {
        details: { expected: "integer >= 0", got: String(value) },
      },
    );
  }
  return value;
}
