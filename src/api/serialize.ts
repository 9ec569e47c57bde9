import { readProcStat, CLOCK_TICKS, PAGE_SIZE, type ProcStat } from "../identity/proc-stat.js";
import { readVersion } from "../core/version.js";
import { declaresTree } from "../service/tree-expectations.js";
import type { MachineContext } from "../service/machine.js";
import type { ServiceRunner } from "../service/runner.js";
import { describeStartedWith } from "../service/started-with.js";
import type { ServiceState } from "../service/states.js";
import type { StoreHealth } from "../store/buffered-store.js";
import type { EventRecord } from "../store/store.js";
import type { Supervisor } from "../supervisor/supervisor.js";
import type { DaemonStatusJson, EventJson, HealthJson, ServiceStatusJson, StoreStatusJson } from "./wire.js";

/** The one place runner state becomes wire JSON (snake_case, ISO times). */
export function serializeService(
  supervisor: Supervisor,
  runner: ServiceRunner,
  now: number,
): ServiceStatusJson {
  const { context: ctx } = runner;
  const log = supervisor.logs.get(runner.name);
  const usage = sampleUsage(runner, now, (stat) => {
    // A service no watch samples (no children, listen or limits): a status request is the last
    // sample its next incident can show (supervisor/last-samples.ts).
    if (!declaresTree(runner.config) && runner.config.limits === null)
      supervisor.samples.note(runner.name, stat.pid, "status", [stat], {}, now);
  });
  const tree = supervisor.treeWatch.observationOf(runner.name);
  return {
    name: runner.name,
    type: runner.config.type,
    state: runner.state,
    desired: ctx.desired,
    pid: ctx.pid,
    ...serializeTimes(runner.state, ctx, runner.since, now),
    restarts: ctx.restarts,
    exit_code: ctx.lastExitCode,
    signal: ctx.lastSignal,
    // Declared ports and children as the last evaluation of the tree found them.
    ports: tree?.ports ?? [],
    children: tree?.children ?? [],
    rss_bytes: usage?.rssBytes ?? null,
    cpu_percent: usage?.cpuPercent ?? null,
    log_file: log ? { ...log.files } : { out: "", err: "" },
    reason: runner.reason,
    health: healthOf(supervisor, runner.name),
    instance_of: runner.config.instanceOf,
    notify_status: supervisor.notifyStatusOf(runner.name),
    ...startedWithOf(runner),
  };
}

/** Whether the recorded process runs the runner's config (started-with.ts). */
function startedWithOf(runner: ServiceRunner): Pick<ServiceStatusJson, "started_with" | "started_with_note"> {
  if (runner.record === null) return { started_with: null, started_with_note: null };
  const startedWith = describeStartedWith(runner.config, runner.record);
  return {
    started_with: startedWith.kind,
    started_with_note: startedWith.kind === "current" ? null : startedWith.text,
  };
}

/**
 * The times of a service's wire view, from the machine's state alone (pure, so a property test
 * can serialize after every step of random event sequences: a NaN here once made `status`
 * answer "internal error").
 */
export function serializeTimes(
  state: ServiceState,
  ctx: MachineContext,
  since: number,
  now: number,
): Pick<ServiceStatusJson, "since" | "uptime_ms" | "next_attempt_at"> {
  return {
    since: isoTime(since),
    uptime_ms: state === "running" && ctx.startedAt !== null ? now - ctx.startedAt : null,
    next_attempt_at: ctx.timerAt !== null && state !== "stopping" ? isoTime(ctx.timerAt) : null,
  };
}

/**
 * ISO text of a time, remembered: a service's `since` stays the same from one status request
 * to the next, and 1000 toISOString calls were a tenth of a status answer.
 */
function isoTime(ms: number): string {
  let text = isoTimes.get(ms);
  if (text === undefined) {
    text = new Date(ms).toISOString(); // throws for a time that is not one, as before
    if (isoTimes.size >= ISO_TIMES_KEPT) isoTimes.clear();
    isoTimes.set(ms, text);
  }
  return text;
}

const isoTimes = new Map<number, string>();
const ISO_TIMES_KEPT = 10_000;

function healthOf(supervisor: Supervisor, name: string): HealthJson | null {
  const probe = supervisor.healthWatch.probeOf(name);
  if (probe === null) return null;
  const { what, failures, threshold, last } = probe;
  return { probe: what, failures, threshold, failing: failures >= threshold, last };
}

export function serializeDaemon(supervisor: Supervisor): DaemonStatusJson {
  return {
    pid: process.pid,
    version: readVersion(),
    started_at: new Date(supervisor.startedAt).toISOString(),
    state_dir: supervisor.config.stateDir,
    config_file: supervisor.config.file,
    host_id: supervisor.store.hostId,
    boot_id: supervisor.bootId,
    store_problem: supervisor.storeHealth?.refresh() ?? null,
    store: serializeStoreHealth(supervisor.store.health()),
  };
}

export function serializeStoreHealth(health: StoreHealth): StoreStatusJson {
  return {
    ok: health.ok,
    problem: health.problem,
    hint: health.hint,
    pending_writes: health.pendingWrites,
    pending_process_records: health.pendingProcesses,
    lost_events: health.lostEvents,
    since: health.since === null ? null : new Date(health.since).toISOString(),
  };
}

export function serializeEvent(event: EventRecord): EventJson {
  return {
    id: event.id,
    ts: new Date(event.ts).toISOString(),
    service: event.service,
    kind: event.kind,
    from: event.from,
    to: event.to,
    reason: event.reason,
    details: event.details,
  };
}

interface UsageSample {
  pid: number;
  at: number;
  cpuTicks: number;
  rssBytes: number;
  cpuPercent: number | null;
}
const samples = new WeakMap<ServiceRunner, UsageSample>();
/**
 * Samples younger than this are reused: reading /proc for 1000 services costs tens of ms, which
 * a monitoring loop calling `status` every few seconds should not pay each time. CPU and MEM
 * are therefore at most this old.
 */
const SAMPLE_TTL_MS = 5_000;

/** RSS and CPU of the main process; CPU is the share since the previous sample. */
function sampleUsage(
  runner: ServiceRunner,
  now: number,
  onRead: (stat: ProcStat) => void,
): { rssBytes: number; cpuPercent: number | null } | null {
  const pid = runner.context.pid;
  if (pid === null) return null;
  const last = samples.get(runner);
  if (last && last.pid === pid && now - last.at < SAMPLE_TTL_MS) return last;
  const stat = readProcStat(pid);
  if (!stat) return null;
  onRead(stat);
  const cpuTicks = stat.utimeTicks + stat.stimeTicks;
  let cpuPercent: number | null = null;
  if (last && last.pid === pid && now > last.at) {
    cpuPercent =
      Math.round(((cpuTicks - last.cpuTicks) / CLOCK_TICKS / ((now - last.at) / 1000)) * 1000) / 10;
  }
  const sample = { pid, at: now, cpuTicks, rssBytes: stat.rssPages * PAGE_SIZE, cpuPercent };
  samples.set(runner, sample);
  return sample;
}
