/**
 * CPU and memory of every service's whole tree, for /metrics. With a cgroup: two small files
 * per service (cpu.stat, memory.current; the members' RSS where the cgroup has no memory
 * controller). Without: one scan of /proc per scrape serves every service (findTreeMembers on
 * an indexed table). A reading serves the scrapes of the next READING_TTL_MS, so two scrapers
 * (a Prometheus pair, a textfile cron job) do not double the cost: docs/benchmarks.md,
 * "metrics scrape, 1000 services", has the figures.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { setImmediate as setImmediatePromise } from "node:timers/promises";
import { errnoOf } from "../../core/errors.js";
import { cgroupCpuUsec, cgroupMemoryBytes, cgroupPids } from "../../identity/cgroup.js";
import { CLOCK_TICKS, PAGE_SIZE, readProcStat, type ProcStat } from "../../identity/proc-stat.js";
import { scanProcesses } from "../../identity/process-table.js";
import { IndexedTable, findTreeMembers } from "../../identity/process-tree.js";
import type { ServiceRunner } from "../../service/runner.js";
import { selectorOf } from "../../service/tree-effects.js";
import { TreeCpuCounter } from "./tree-cpu.js";

/** How long one reading of every tree serves later scrapes. */
export const READING_TTL_MS = 1000;
const YIELD_EVERY = 100;

export interface TreeUsage {
  /** CPU seconds of the tree since the daemon started following it; never goes down. */
  cpuSeconds: number;
  /** Memory of the tree now: memory.current of its cgroup, else the sum of its processes' RSS. */
  memoryBytes: number;
}

/** Follows every service's tree; one per daemon, so the counters live as long as it does. */
export class TreeUsageMeter {
  /** Kept for services removed from the config too: one re-added continues its counter. */
  private readonly counters = new Map<string, TreeCpuCounter>();
  private reading: { at: number; usage: Map<string, TreeUsage> } | null = null;
  /** The reading under way: scrapes meanwhile wait for it, since two would count growth twice. */
  private inFlight: Promise<Map<string, TreeUsage>> | null = null;

  /** The usage of each runner's tree, read now or at most READING_TTL_MS ago. */
  read(runners: readonly ServiceRunner[], now: number): Promise<Map<string, TreeUsage>> {
    if (this.reading !== null && now - this.reading.at < READING_TTL_MS)
      return Promise.resolve(this.reading.usage);
    this.inFlight ??= this.readAll(runners, now).finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  /**
   * Reads every tree, giving the event loop back every YIELD_EVERY services: at 1000 services a
   * reading takes tens of ms (docs/benchmarks.md, "metrics scrape, 1000 services"), which a
   * restart or a probe should not wait behind.
   */
  private async readAll(runners: readonly ServiceRunner[], now: number): Promise<Map<string, TreeUsage>> {
    let table: IndexedTable | null = null;
    const memoryParents = new Map<string, boolean>();
    const scope: ReadingScope = {
      table: () => (table ??= new IndexedTable(scanProcesses())),
      hasMemoryFile: (cgroup) => {
        const parent = dirname(cgroup);
        let enabled = memoryParents.get(parent);
        if (enabled === undefined) memoryParents.set(parent, (enabled = parentEnablesMemory(parent)));
        return enabled;
      },
    };
    const usage = new Map<string, TreeUsage>();
    for (const [i, runner] of runners.entries()) {
      if (i > 0 && i % YIELD_EVERY === 0) await setImmediatePromise();
      let counter = this.counters.get(runner.name);
      if (counter === undefined) this.counters.set(runner.name, (counter = new TreeCpuCounter()));
      const memoryBytes = readTree(runner, counter, scope);
      usage.set(runner.name, { cpuSeconds: counter.totalSeconds, memoryBytes });
    }
    this.reading = { at: now, usage };
    return usage;
  }
}

/** What one reading shares across services: the /proc table, and which parents give memory.current. */
interface ReadingScope {
  table(): IndexedTable;
  hasMemoryFile(cgroup: string): boolean;
}

/** Feeds the counter with the tree's CPU and returns its memory in bytes. */
function readTree(runner: ServiceRunner, counter: TreeCpuCounter, scope: ReadingScope): number {
  const sel = runner.record === null ? null : selectorOf(runner.record);
  // The recorded start's cgroup, or, with no process, the one the daemon made for the service
  // (its cpu.stat still counts what earlier starts used). A missing one reads as null.
  const cgroup = sel === null ? runner.cgroupPath : sel.cgroup;
  const usec = cgroup === null ? null : cgroupCpuUsec(cgroup);
  if (cgroup !== null && usec !== null) {
    counter.addCgroupReading(cgroup, usec);
    if (sel === null) return 0; // no process: nothing of it lives in the cgroup
    const memory = scope.hasMemoryFile(cgroup) ? cgroupMemoryBytes(cgroup) : null;
    if (memory !== null) return memory;
    const pids = cgroupPids(cgroup);
    if (pids.includes(sel.pid)) return rssOf(pids.map((pid) => readProcStat(pid)).filter((s) => s !== null));
    return rssOf(findTreeMembers(sel, scope.table())); // the main process was not placed in it
  }
  const members = sel === null ? [] : findTreeMembers(sel, scope.table());
  counter.addProcReading(members, CLOCK_TICKS);
  return rssOf(members);
}

/**
 * Whether the cgroups under `parent` have memory.current: only where the parent enables the
 * memory controller for its children. Read once per reading for all the services below it,
 * instead of a failed open per service on hosts without it (hybrid cgroup v1/v2).
 */
function parentEnablesMemory(parent: string): boolean {
  try {
    return /(^|\s)memory(\s|$)/.test(readFileSync(join(parent, "cgroup.subtree_control"), "utf8"));
  } catch (err) {
    if (errnoOf(err) === undefined) throw err;
    return false; // gone or unreadable: the members' RSS serves instead
  }
}

function rssOf(members: readonly ProcStat[]): number {
  return members.reduce((sum, m) => (m.state === "Z" ? sum : sum + m.rssPages * PAGE_SIZE), 0);
}
