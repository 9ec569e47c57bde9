/**
 * `limits:` (memory, cpu): the tree of each running service that sets limits is sampled every
 * window/5 (between 250 ms and 5 s); a figure over its limit at every sample for the whole
 * window is a `limit` event with the figures, then a restart (health_failed: counted against
 * start_limit, never for a service the operator stopped). Services without limits cost nothing.
 * Memory is the RSS of every process of the tree; CPU is the tree's CPU time over wall time, in
 * percent of one core (from the cgroup's cpu.stat when it has one, which also counts children
 * that exited between samples).
 */
import type { LimitsConfig } from "../config/model.js";
import { formatDuration } from "../core/duration.js";
import { cgroupCpuUsec } from "../identity/cgroup.js";
import { CLOCK_TICKS, PAGE_SIZE, type ProcStat } from "../identity/proc-stat.js";
import { scanProcesses } from "../identity/process-table.js";
import { IndexedTable, cgroupMembers, findTreeMembers, isCgroupUsable } from "../identity/process-tree.js";
import type { ServiceRunner } from "../service/runner.js";
import { selectorOf } from "../service/tree-effects.js";
import type { NewEvent, ProcessRecord } from "../store/store.js";
import type { LastSamples } from "./last-samples.js";
import { RunningFollows } from "./while-running.js";

type Emit = (event: Omit<NewEvent, "ts">) => Promise<unknown>;

interface Sample {
  at: number;
  rssBytes: number;
  /** Microseconds of CPU the tree has used, as a running total. */
  cpuUsec: number;
  processes: number;
  /** The tree as read, for the incident's last sample. */
  members: ProcStat[];
}

/** How far over the limit a figure has been since when, and its peak meanwhile. */
interface Excess {
  since: number;
  peak: number;
}

export function sampleIntervalMs(limits: LimitsConfig): number {
  return Math.min(5000, Math.max(250, Math.round(limits.windowMs / 5)));
}

export class LimitsWatch {
  private readonly follows = new RunningFollows(
    (c) => c.limits !== null,
    (runner, record) => this.sampleLoop(runner, record),
  );

  constructor(
    private readonly emit: Emit,
    private readonly onFault: (service: string, err: unknown) => void,
    /** True while the daemon shuts down: nothing is restarted then. */
    private readonly quiet: () => boolean,
    /** Keeps what each sample read, for the service's next incident. */
    private readonly samples: LastSamples | null = null,
  ) {}

  attach(runner: ServiceRunner): () => void {
    return this.follows.attach(runner);
  }

  refresh(runner: ServiceRunner): void {
    this.follows.refresh(runner);
  }

  close(): void {
    this.follows.close();
  }

  private sampleLoop(runner: ServiceRunner, record: ProcessRecord): () => void {
    const limits = runner.config.limits!;
    let previous = sampleTree(record);
    let memory: Excess | null = null;
    let cpu: Excess | null = null;
    let stopped = false;
    const timer = setInterval(() => {
      let sample: Sample | null;
      try {
        sample = sampleTree(record);
      } catch (err) {
        this.onFault(runner.name, err); // /proc read failed in an unexpected way: try again next tick
        return;
      }
      if (sample === null || previous === null) {
        previous = sample;
        return;
      }
      const cpuPercent =
        ((sample.cpuUsec - previous.cpuUsec) / 1000 / Math.max(1, sample.at - previous.at)) * 100;
      this.samples?.note(runner.name, record.pid, "limits", sample.members, {
        cpuPercent: Math.round(cpuPercent * 10) / 10,
      });
      memory = track(memory, limits.memoryBytes, sample.rssBytes, sample.at);
      // CPU is over since the start of the interval it was measured over.
      cpu = track(cpu, limits.cpuPercent, cpuPercent, previous.at);
      previous = sample;
      const over = [
        memory !== null && sample.at - memory.since >= limits.windowMs ? "memory" : null,
        cpu !== null && sample.at - cpu.since >= limits.windowMs ? "cpu" : null,
      ].filter((x): x is "memory" | "cpu" => x !== null);
      if (over.length === 0 || stopped) return;
      stopped = true;
      clearInterval(timer);
      const figures = { sample, cpuPercent, memory, cpu };
      this.restart(runner, record, limits, over, figures).catch((err: unknown) =>
        this.onFault(runner.name, err),
      );
    }, sampleIntervalMs(limits));
    timer.unref();
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }

  private async restart(
    runner: ServiceRunner,
    record: ProcessRecord,
    limits: LimitsConfig,
    over: ("memory" | "cpu")[],
    f: { sample: Sample; cpuPercent: number; memory: Excess | null; cpu: Excess | null },
  ): Promise<void> {
    const window = formatDuration(limits.windowMs);
    const parts = over.map((kind) =>
      kind === "memory"
        ? `memory ${mb(f.sample.rssBytes)} (peak ${mb(f.memory!.peak)}) over its limit of ${mb(limits.memoryBytes!)} for ${window}`
        : `CPU ${f.cpuPercent.toFixed(0)}% (peak ${f.cpu!.peak.toFixed(0)}%) over its limit of ${limits.cpuPercent}% for ${window}`,
    );
    const what = `${parts.join("; ")} (${f.sample.processes} processes)`;
    await this.emit({
      service: runner.name,
      kind: "limit",
      reason: `${what}; restarting it (start_limit applies)`,
      details: {
        pid: record.pid,
        over,
        rss_bytes: f.sample.rssBytes,
        peak_rss_bytes: f.memory?.peak ?? null,
        memory_limit_bytes: limits.memoryBytes,
        cpu_percent: Math.round(f.cpuPercent * 10) / 10,
        peak_cpu_percent: f.cpu === null ? null : Math.round(f.cpu.peak * 10) / 10,
        cpu_limit_percent: limits.cpuPercent,
        window_ms: limits.windowMs,
        processes: f.sample.processes,
      },
    });
    if (!this.quiet() && runner.record === record && runner.state === "running")
      await runner.send({ type: "health_failed", reason: what });
  }
}

function track(excess: Excess | null, limit: number | null, value: number, at: number): Excess | null {
  if (limit === null || value <= limit) return null;
  if (excess === null) return { since: at, peak: value };
  return { since: excess.since, peak: Math.max(excess.peak, value) };
}

/** How long one scan of /proc serves every service sampled meanwhile (their timers bunch up). */
const SHARED_SCAN_MS = 200;
let sharedScan: { at: number; table: IndexedTable } | null = null;

/** A recent table of every process: without cgroups, services sampled together scan /proc once. */
function recentTable(): IndexedTable {
  const now = Date.now();
  if (sharedScan === null || now - sharedScan.at > SHARED_SCAN_MS)
    sharedScan = { at: now, table: new IndexedTable(scanProcesses()) };
  return sharedScan.table;
}

/** The tree's figures now; null when the main process is gone. */
function sampleTree(record: ProcessRecord): Sample | null {
  const sel = selectorOf(record);
  const members: ProcStat[] = cgroupMembers(sel) ?? findTreeMembers(sel, recentTable());
  if (!members.some((m) => m.pid === record.pid)) return null;
  const live = members.filter((m) => m.state !== "Z");
  const fromCgroup = isCgroupUsable(sel) ? cgroupCpuUsec(sel.cgroup) : null;
  const ticks = live.reduce((sum, m) => sum + m.utimeTicks + m.stimeTicks, 0);
  return {
    at: Date.now(),
    rssBytes: live.reduce((sum, m) => sum + m.rssPages * PAGE_SIZE, 0),
    cpuUsec: fromCgroup ?? (ticks * 1_000_000) / CLOCK_TICKS,
    processes: live.length,
    members,
  };
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
