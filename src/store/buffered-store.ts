/**
 * A StateStore whose failed writes are never fatal. When the store cannot be written (a full
 * disk: SQLITE_FULL; a read-only remount, an I/O error, a lock held too long), the write is kept
 * in memory, every later write joins it in order, and the whole lot is retried: when the file
 * system's free space grows (looked at every second) and every 15 s in any case. Reads see the
 * kept writes, so the daemon's view stays whole. Once all of it is stored, an event says how
 * many events were written late, and another how many were lost if the buffer overflowed.
 *
 * What is kept: the newest record of each service (desired state: operator intent) and of each
 * service's process (PID + start time + boot id: identity and recovery rest on it), which are
 * bounded by the number of services and never dropped, and written first on recovery; and up
 * to MAX_PENDING_EVENTS events, the oldest dropped (and counted) beyond that. A daemon that
 * dies while writes wait loses them (docs/store.md says what that means for the next daemon).
 *
 * Events kept are numbered here, after the newest stored id, and stored under those ids, so a
 * follower that saw an event live (`events -f`) finds it under the same id later.
 *
 * Longer than most files here: the eight StateStore methods each route between the store and
 * memory, and the outage's start, retries and catch-up share its state; reads of what waits
 * are in overlay.ts.
 */
import { statfsSync } from "node:fs";
import { UpkeepError } from "../core/errors.js";
import type { IncidentQuery, IncidentRecord, IncidentSummary, NewIncident } from "./incident-record.js";
import { overlayEvents, overlayRecords } from "./overlay.js";
import type {
  EventQuery,
  EventRecord,
  NewEvent,
  ProcessRecord,
  ServiceRecord,
  StateStore,
  WriteBatch,
} from "./store.js";

/** Events kept while the store cannot be written: ~3 MB of memory at most. */
export const MAX_PENDING_EVENTS = 10_000;
/** Incidents kept while the store cannot be written (at most 64 KiB each); the oldest go beyond. */
export const MAX_PENDING_INCIDENTS = 20;
/** How often free space is looked at while writes wait. */
const CHECK_MS = 1000;
/** The longest wait between two tries (a permission fixed, a lock released: no space grows). */
const RETRY_MS = 15_000;
/** Errors of the host, not of upkeep: the write is kept and retried. */
const KEPT_ON: ReadonlySet<string> = new Set(["STATE_DIR_UNUSABLE", "STORE_LOCKED"]);

/** Whether the store takes writes, and what waits in memory when it does not. */
export interface StoreHealth {
  ok: boolean;
  /** "store full" or "store unwritable: <errno>"; null while ok. */
  problem: string | null;
  /** What to do about it. */
  hint: string | null;
  /** Events, service records and process records waiting to be written. */
  pendingWrites: number;
  /** Of those, process records: lost with the daemon if it dies now. */
  pendingProcesses: number;
  /** Events dropped because more than MAX_PENDING_EVENTS waited. */
  lostEvents: number;
  /** Epoch ms of the first failed write. */
  since: number | null;
}

interface Outage {
  problem: string;
  hint: string | null;
  since: number;
  /** Free bytes at the last try, to notice space coming back. */
  free: number | null;
  lastTry: number;
  delayed: number;
  lost: number;
}

export interface BufferedStoreOptions {
  /** The directory whose file system holds the store, for free space; null for a remote store. */
  dir: string | null;
  /** Hands the store's own events (outage began, writes caught up) to followers. */
  publish(event: EventRecord): void;
  maxEvents?: number;
}

export class BufferedStore implements StateStore {
  readonly hostId: string;
  private outage: Outage | null = null;
  /** Newest record per service; null: deleted. */
  private readonly services = new Map<string, ServiceRecord | null>();
  private readonly processes = new Map<string, ProcessRecord | null>();
  private readonly events: EventRecord[] = [];
  /** Incidents waiting for the store; listed and shown once written. */
  private readonly incidents: NewIncident[] = [];
  private lastId = 0;
  private lastIdRead: Promise<void> | null = null;
  /** The newest stored id could not be read: kept events are stored under new ids. */
  private idsUncertain = false;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly inner: StateStore,
    private readonly options: BufferedStoreOptions,
  ) {
    this.hostId = inner.hostId;
  }

  health(): StoreHealth {
    const o = this.outage;
    return {
      ok: o === null,
      problem: o?.problem ?? null,
      hint: o?.hint ?? null,
      pendingWrites: this.events.length + this.services.size + this.processes.size + this.incidents.length,
      pendingProcesses: this.processes.size,
      lostEvents: o?.lost ?? 0,
      since: o?.since ?? null,
    };
  }

  async getService(service: string): Promise<ServiceRecord | null> {
    return this.services.has(service) ? (this.services.get(service) ?? null) : this.inner.getService(service);
  }

  async listServices(): Promise<ServiceRecord[]> {
    return overlayRecords(await this.inner.listServices(), this.services, (r) => r.service);
  }

  putService(record: ServiceRecord): Promise<void> {
    return this.write(
      () => this.inner.putService(record),
      () => this.services.set(record.service, record),
    );
  }

  deleteService(service: string): Promise<void> {
    return this.write(
      () => this.inner.deleteService(service),
      () => this.services.set(service, null),
    );
  }

  async getProcess(service: string): Promise<ProcessRecord | null> {
    return this.processes.has(service)
      ? (this.processes.get(service) ?? null)
      : this.inner.getProcess(service);
  }

  async listProcesses(): Promise<ProcessRecord[]> {
    return overlayRecords(await this.inner.listProcesses(), this.processes, (r) => r.service);
  }

  putProcess(record: ProcessRecord): Promise<void> {
    return this.write(
      () => this.inner.putProcess(record),
      () => this.processes.set(record.service, record),
    );
  }

  deleteProcess(service: string): Promise<void> {
    return this.write(
      () => this.inner.deleteProcess(service),
      () => this.processes.set(service, null),
    );
  }

  async appendEvent(event: NewEvent): Promise<EventRecord> {
    if (this.outage === null) {
      try {
        const record = await this.inner.appendEvent(event);
        this.lastId = Math.max(this.lastId, record.id);
        return record;
      } catch (err) {
        if (!this.begin(err)) throw err;
      }
    }
    return this.keepEvent(event);
  }

  /** One transaction while the store takes writes; else (or when it fails so) all of it waits. */
  async writeBatch(batch: WriteBatch): Promise<EventRecord[]> {
    if (this.outage === null) {
      try {
        const records = await this.inner.writeBatch(batch);
        for (const record of records) this.lastId = Math.max(this.lastId, record.id);
        return records;
      } catch (err) {
        // The transaction rolled back whole: nothing of it is stored, so all of it is kept.
        if (!this.begin(err)) throw err;
      }
    }
    if (batch.process) this.processes.set(batch.process.service, batch.process);
    if (batch.service) this.services.set(batch.service.service, batch.service);
    const records: EventRecord[] = [];
    for (const event of batch.events) records.push(await this.keepEvent(event));
    return records;
  }

  /** Stored at once while the store takes writes; else kept (null: no id yet) and written later. */
  async appendIncident(incident: NewIncident): Promise<number | null> {
    if (this.outage === null) {
      try {
        return await this.inner.appendIncident(incident);
      } catch (err) {
        if (!this.begin(err)) throw err;
      }
    }
    this.incidents.push(incident);
    if (this.incidents.length > MAX_PENDING_INCIDENTS) {
      const lost = this.incidents.shift();
      console.warn(
        `upkeep: state store: an incident of ${lost?.service ?? "?"} was dropped: more than ${MAX_PENDING_INCIDENTS} waited`,
      );
    }
    return null;
  }

  listIncidents(query: IncidentQuery): Promise<IncidentSummary[]> {
    return this.inner.listIncidents(query);
  }

  getIncident(id: number): Promise<IncidentRecord | null> {
    return this.inner.getIncident(id);
  }

  async listEvents(query: EventQuery): Promise<EventRecord[]> {
    return overlayEvents(await this.inner.listEvents(query), this.events, query);
  }

  close(): Promise<void> {
    this.stopRetrying();
    return this.inner.close();
  }

  /** Tries once to write what waits; resolves when the try is over, whatever came of it. */
  flush(): Promise<void> {
    this.flushing ??= this.writeKept().finally(() => (this.flushing = null));
    return this.flushing;
  }

  /**
   * At daemon shutdown: one last try, then no more retries. Returns what could not be saved,
   * in words, or null when everything is stored.
   */
  async settle(): Promise<string | null> {
    await this.flush();
    this.stopRetrying();
    const o = this.outage;
    if (o === null) return null;
    const pids = [...this.processes].map(([name, r]) => (r ? `${name} PID ${r.pid}` : `${name} (none)`));
    return (
      `${o.problem}: ${this.events.length} events, ${this.services.size} service records and ` +
      `${this.processes.size} process records were not saved` +
      (pids.length > 0 ? ` (processes: ${pids.join(", ")})` : "") +
      (o.hint ? `; ${o.hint}` : "")
    );
  }

  // A direct write while the store takes writes; else (or when it fails so) the write is kept.
  private async write(direct: () => Promise<void>, keep: () => void): Promise<void> {
    if (this.outage === null) {
      try {
        return await direct();
      } catch (err) {
        if (!this.begin(err)) throw err;
      }
    }
    keep();
  }

  /** Starts an outage for a write that failed with `err`; false when `err` is not the host's. */
  private begin(err: unknown): boolean {
    if (!(err instanceof UpkeepError) || !KEPT_ON.has(err.code)) return false;
    const { problem, hint, errno } = describeFailure(err);
    const now = Date.now();
    this.outage = { problem, hint, since: now, free: this.freeBytes(), lastTry: now, delayed: 0, lost: 0 };
    this.timer = setInterval(() => this.tick(), CHECK_MS);
    this.timer.unref();
    // Said at once (and stored first when writing works again), before the write that failed.
    const reason =
      `${problem}: ${err.message}; events and records wait in memory (up to ${this.maxEvents} events) ` +
      `and are written when it works again` +
      (hint ? `; ${hint}` : "");
    void this.keepEvent({ ts: now, service: null, kind: "daemon", reason, details: { errno } }).then((e) =>
      this.options.publish(e),
    );
    return true;
  }

  private async keepEvent(event: NewEvent): Promise<EventRecord> {
    this.lastIdRead ??= this.readLastId();
    await this.lastIdRead;
    const record: EventRecord = {
      id: ++this.lastId,
      hostId: this.hostId,
      ts: event.ts,
      service: event.service,
      kind: event.kind,
      from: event.from ?? null,
      to: event.to ?? null,
      reason: event.reason,
      // As the store would give it back: plain JSON.
      details: JSON.parse(JSON.stringify(event.details ?? {})) as Record<string, unknown>,
    };
    this.events.push(record);
    if (this.events.length > this.maxEvents) {
      this.events.shift();
      if (this.outage) this.outage.lost++;
    }
    return record;
  }

  /** The newest stored id, once: reads work on a full disk. */
  private async readLastId(): Promise<void> {
    try {
      const [newest] = await this.inner.listEvents({ limit: 1 });
      this.lastId = Math.max(this.lastId, newest?.id ?? 0);
    } catch (err) {
      // Then ids here may repeat stored ones: kept events get the store's own numbers instead.
      this.idsUncertain = true;
      console.error(`upkeep: state store: the newest event id could not be read: ${String(err)}`);
    }
  }

  private tick(): void {
    const o = this.outage;
    if (o === null || this.flushing) return;
    const free = this.freeBytes();
    const grew = free !== null && o.free !== null && free > o.free;
    if (grew || Date.now() - o.lastTry >= RETRY_MS) void this.flush();
  }

  private async writeKept(): Promise<void> {
    const o = this.outage;
    if (o === null) return;
    o.lastTry = Date.now();
    o.free = this.freeBytes();
    try {
      // Until nothing waits: writes made meanwhile are kept too, and go in the next round.
      while (this.health().pendingWrites > 0) {
        // Process records first: which process is which service is what recovery needs.
        for (const [name, record] of this.processes) {
          await (record ? this.inner.putProcess(record) : this.inner.deleteProcess(name));
          if (this.processes.get(name) === record) this.processes.delete(name);
        }
        for (const [name, record] of this.services) {
          await (record ? this.inner.putService(record) : this.inner.deleteService(name));
          if (this.services.get(name) === record) this.services.delete(name);
        }
        for (let e = this.events[0]; e !== undefined; e = this.events[0]) {
          await this.inner.appendEvent(this.idsUncertain ? withoutId(e) : e);
          this.events.shift();
          o.delayed++;
        }
        for (let i = this.incidents[0]; i !== undefined; i = this.incidents[0]) {
          await this.inner.appendIncident(i);
          this.incidents.shift();
        }
      }
    } catch (err) {
      // Still failing, maybe otherwise now (status says how); the next tick tries again.
      ({ problem: o.problem, hint: o.hint } = describeFailure(err));
      return;
    }
    this.outage = null;
    this.stopRetrying();
    const since = new Date(o.since).toISOString();
    const told: NewEvent[] = [
      {
        ts: Date.now(),
        service: null,
        kind: "daemon",
        reason: `state store writable again: ${o.delayed} events were written late (waiting since ${since})`,
        details: { delayed: o.delayed, since },
      },
    ];
    if (o.lost > 0) {
      told.push({
        ts: Date.now(),
        service: null,
        kind: "daemon",
        reason: `${o.lost} events were lost while the state store could not be written (more than ${this.maxEvents} waited; the oldest went)`,
        details: { lost: o.lost, since },
      });
    }
    for (const event of told) {
      // A flush must never reject: tick() starts it unawaited.
      await this.appendEvent(event).then(
        (e) => this.options.publish(e),
        (err: unknown) => {
          console.error(`upkeep: state store: could not record "${event.reason}": ${String(err)}`);
        },
      );
    }
  }

  private stopRetrying(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private get maxEvents(): number {
    return this.options.maxEvents ?? MAX_PENDING_EVENTS;
  }

  private freeBytes(): number | null {
    if (this.options.dir === null) return null;
    try {
      const fs = statfsSync(this.options.dir);
      return fs.bavail * fs.bsize;
    } catch {
      return null; // the dir itself is unreadable: the timed retry still runs
    }
  }
}

/** "store full" or "store unwritable: <errno>", and the fix, for status and check. */
function describeFailure(err: unknown): { problem: string; hint: string | null; errno: string } {
  const errno =
    err instanceof UpkeepError
      ? typeof err.details.errno === "string"
        ? err.details.errno
        : err.code
      : err instanceof Error
        ? err.message
        : String(err);
  const problem = errno === "SQLITE_FULL" ? "store full" : `store unwritable: ${errno}`;
  return { problem, hint: err instanceof UpkeepError ? (err.hint ?? null) : null, errno };
}

function withoutId(event: EventRecord): NewEvent {
  const { id: _numberedHere, ...rest } = event;
  return rest;
}
