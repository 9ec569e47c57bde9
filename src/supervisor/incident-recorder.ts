/**
 * Records an incident for each crash, failed start, readiness timeout and restart for health or
 * limits (incident-trigger.ts), with its evidence (docs/incidents.md). The restart never waits
 * for it: the runner's hook only notes the moment and the last sample of the tree (a map
 * lookup) and returns. OUTPUT_SETTLE_MS later, once the restart has been spawned, the host
 * snapshot starts, the output is read and the incident is stored, in the background. The output
 * is read once the run is over: for a crash at once (the runner drained the FIFOs before its exit
 * marker; the settle covers what the FIFO readers still held), for a restart by health or limits
 * once the stopped process has exited (at most its stop time).
 */
import { takeHostSnapshot } from "../host/host-snapshot.js";
import type { ServiceRunner } from "../service/runner.js";
import type { MachineEvent, ServiceState } from "../service/states.js";
import type { HostSnapshot, NewIncident } from "../store/incident-record.js";
import { summarizeIncident } from "../store/incident-text.js";
import type { EventRecord, StateStore } from "../store/store.js";
import { readIncidentOutput } from "./incident-output.js";
import {
  beginsAttempt,
  incidentTriggerOf,
  type IncidentTrigger,
  type WatchVerdict,
} from "./incident-trigger.js";
import type { LastSamples } from "./last-samples.js";

/** What the FIFO readers may still hold after a death: read once this has passed. */
const OUTPUT_SETTLE_MS = 100;
/** A second incident of one service within this is counted in the next one, not recorded. */
const MIN_GAP_MS = 1000;
/** Incidents this close together share one host snapshot (a burst of deaths costs one). */
const SNAPSHOT_SHARE_MS = 2000;
/** A watch verdict older than this did not lead to the health_failed at hand. */
const VERDICT_MAX_AGE_MS = 60_000;
/** After the stop of an unhealthy process: how much longer than its stop time to wait for its exit. */
const END_GRACE_MS = 2000;

export interface IncidentRecorderOptions {
  store: StateStore;
  logsDir: string;
  samples: LastSamples;
  /** Takes the host snapshot (tests and benches pass their own). */
  snapshot?: () => Promise<HostSnapshot>;
  /** Reports what went wrong in the background; supervision goes on. */
  onFault(service: string, err: unknown): void;
}

/** An incident being put together: waiting for its run's end, then for its evidence. */
interface Pending {
  service: string;
  at: number;
  /** When the next start attempt began (Date.now() at its hook): the run's output ends there. */
  cutoff: number | null;
  /** Resolves when the stopped process has exited (health and limit restarts). */
  ended: Promise<void>;
  end: () => void;
}

/** What listeners receive: the incident as stored, its id null while it waits for the store. */
export type RecordedIncident = NewIncident & { id: number | null };

export class IncidentRecorder {
  private readonly pending = new Map<string, Pending>();
  private readonly lastAt = new Map<string, number>();
  private readonly suppressed = new Map<string, number>();
  private readonly verdicts = new Map<
    string,
    { kind: WatchVerdict; at: number; details: Record<string, unknown> }
  >();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly listeners = new Set<(incident: RecordedIncident) => void>();
  private shared: { at: number; snapshot: Promise<HostSnapshot | Error> } | null = null;

  constructor(private readonly options: IncidentRecorderOptions) {}

  /** Calls `fn` with each incident once recorded (notifications); returns the unsubscribe. */
  onIncident(fn: (incident: RecordedIncident) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The bus's events: a `limit` or `unhealthy` verdict names the restart that follows it. */
  noteEvent(event: EventRecord): void {
    if (event.service === null || (event.kind !== "limit" && event.kind !== "unhealthy")) return;
    this.verdicts.set(event.service, { kind: event.kind, at: event.ts, details: event.details });
  }

  /** The runner's hook (RunnerDeps.onHandled): notes what it must, never waits. */
  handled(
    runner: ServiceRunner,
    event: MachineEvent,
    before: ServiceState,
    at: number,
    reason: string,
  ): void {
    const name = runner.name;
    const after = runner.state;
    const open = this.pending.get(name);
    if (open !== undefined) {
      if (event.type === "exited" && before === "stopping") open.end();
      if (beginsAttempt(event, before, after)) open.cutoff ??= Date.now();
    }
    const verdict = this.verdicts.get(name);
    const recent = verdict !== undefined && at - verdict.at <= VERDICT_MAX_AGE_MS ? verdict : null;
    const trigger = incidentTriggerOf(event, before, after, recent?.kind ?? null);
    if (trigger === null) return;
    if (open !== undefined) {
      open.cutoff ??= Date.now(); // a new incident: the earlier one's run is surely over
      open.end();
    }
    const last = this.lastAt.get(name);
    if (last !== undefined && at - last < MIN_GAP_MS) {
      this.suppressed.set(name, (this.suppressed.get(name) ?? 0) + 1);
      return;
    }
    this.lastAt.set(name, at);
    if (trigger.kind === "limit" || trigger.kind === "unhealthy") this.verdicts.delete(name);
    const base = this.describe(runner, trigger, at, reason, recent?.details ?? {});
    let end = (): void => undefined;
    const ended = new Promise<void>((resolve) => (end = resolve));
    const waitsForEnd = trigger.kind === "unhealthy" || trigger.kind === "limit";
    if (!waitsForEnd) end();
    const pending: Pending = {
      service: name,
      at,
      cutoff: beginsAttempt(event, before, after) ? Date.now() : null,
      ended,
      end,
    };
    this.pending.set(name, pending);
    const endBy = waitsForEnd ? runner.stopWaitMs + END_GRACE_MS : 0;
    const work = this.complete(pending, base, endBy)
      .catch((err: unknown) => this.options.onFault(name, err))
      .finally(() => {
        this.inFlight.delete(work);
        if (this.pending.get(name) === pending) this.pending.delete(name);
      });
    this.inFlight.add(work);
  }

  /** The service left the config: what was kept about it goes (an incident in flight is still stored). */
  forget(service: string): void {
    this.lastAt.delete(service);
    this.suppressed.delete(service);
    this.verdicts.delete(service);
  }

  /** Resolves once every incident begun so far is stored (or has failed); at most `timeoutMs`. */
  async settled(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.all([...this.inFlight]), deadline]);
    clearTimeout(timer);
  }

  /** The parts known at the hook: who, what, how long, and the tree's last sample. */
  private describe(
    runner: ServiceRunner,
    trigger: IncidentTrigger,
    at: number,
    reason: string,
    details: Record<string, unknown>,
  ): Omit<NewIncident, "output" | "outputNote" | "host"> {
    const startedAt = runner.context.startedAt;
    const ran = trigger.kind !== "failed_start" && startedAt !== null;
    const pid = trigger.kind === "failed_start" ? null : (runner.record?.pid ?? null);
    const sample = pid === null ? null : this.options.samples.lastOf(runner.name, pid);
    const suppressed = this.suppressed.get(runner.name) ?? 0;
    this.suppressed.delete(runner.name);
    const fields = {
      ts: at,
      service: runner.name,
      kind: trigger.kind,
      pid,
      exitCode: trigger.exitCode,
      signal: trigger.signal,
      durationMs: ran ? at - startedAt : null,
      reason,
    };
    return {
      ...fields,
      summary: summarizeIncident({ ...fields, what: trigger.what }),
      sample,
      sampleNote: sample !== null ? null : describeMissingSample(pid),
      suppressed,
      details,
    };
  }

  private async complete(
    pending: Pending,
    base: Omit<NewIncident, "output" | "outputNote" | "host">,
    endBy: number,
  ): Promise<void> {
    // First the settle: the restart (spawned within a few ms of the death) goes before the
    // snapshot's /proc reads, which would otherwise share the event loop with it.
    await sleep(OUTPUT_SETTLE_MS);
    const host = this.shareSnapshot();
    if (endBy > 0) await Promise.race([pending.ended, sleep(endBy)]);
    const output = readIncidentOutput(this.options.logsDir, pending.service, pending.cutoff ?? Date.now());
    const snapshot = await host;
    const incident: NewIncident = {
      ...base,
      output: output.lines,
      outputNote: output.note,
      host: snapshot instanceof Error ? null : snapshot,
      details:
        snapshot instanceof Error ? { ...base.details, host_snapshot_error: snapshot.message } : base.details,
    };
    const id = await this.options.store.appendIncident(incident);
    for (const listener of this.listeners) {
      try {
        listener({ ...incident, id });
      } catch (err) {
        this.options.onFault(pending.service, err); // a notifier's fault must not stop the others
      }
    }
  }

  /** One snapshot for incidents close together; a failed one is an Error, never a rejection. */
  private shareSnapshot(): Promise<HostSnapshot | Error> {
    const now = Date.now();
    if (this.shared !== null && now - this.shared.at < SNAPSHOT_SHARE_MS) return this.shared.snapshot;
    const take = this.options.snapshot ?? (() => takeHostSnapshot());
    const snapshot = take().catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
    this.shared = { at: now, snapshot };
    return snapshot;
  }
}

function describeMissingSample(pid: number | null): string {
  if (pid === null) return "no process ran";
  return (
    "no sample of this run: the tree is sampled by the watches of children, listen and limits, " +
    `and by status and ps requests; none ran while PID ${pid} lived`
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
