/**
 * CPU and memory of every service's whole tree, for /metrics. With a cgroup: two small files
 * per service (cpu.stat, memory.current; the members' RSS where the cgroup has no memory
 * controller). Without: one scan of /proc per scrape serves every service (findTreeMembers on
 * an indexed table). A reading serves the scrapes of the next READING_TTL_MS, so two scrapers
 * (a Prometheus pair, a textfile cron job) do not double the cost: docs/benchmarks.md,
 * "metrics scrape, 1000 services", has the figures.
 */
import { existsSync } from "node:fs";
import { cgroupCpuUsec, cgroupMemoryBytes } from "../../identity/cgroup.js";
import { CLOCK_TICKS, PAGE_SIZE, type ProcStat } from "../../identity/proc-stat.js";
import { scanProcesses } from "../../identity/process-table.js";
import {
  IndexedTable,
  cgroupMembers,
  findTreeMembers,
  isCgroupUsable,
  type TreeSelector,
} from "../../identity/process-tree.js";
import type { ServiceRunner } from "../../service/runner.js";
import { selectorOf } from "../../service/tree-effects.js";
import { TreeCpuCounter } from "./tree-cpu.js";

/** How long one reading of every tree serves later scrapes. */
export const READING_TTL_MS = 1000;

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

  /** The usage of each runner's tree, read now or at most READING_TTL_MS ago. */
  read(runners: Iterable<ServiceRunner>, now: number): Map<string, TreeUsage> {
    if (this.reading !== null && now - this.reading.at < READING_TTL_MS) return this.reading.usage;
    let table: IndexedTable | null = null;
    const recentTable = (): IndexedTable => (table ??= new IndexedTable(scanProcesses()));
    const usage = new Map<string, TreeUsage>();
    for (const runner of runners) {
      let counter = this.counters.get(runner.name);
      if (counter === undefined) this.counters.set(runner.name, (counter = new TreeCpuCounter()));
      const memoryBytes = readTree(runner, counter, recentTable);
      usage.set(runner.name, { cpuSeconds: counter.totalSeconds, memoryBytes });
    }
    this.reading = { at: now, usage };
    return usage;
  }
}

/** Feeds the counter with the tree's CPU and returns its memory in bytes. */
function readTree(runner: ServiceRunner, counter: TreeCpuCounter, recentTable: () => IndexedTable): number {
  const sel = runner.record === null ? null : selectorOf(runner.record);
  const cgroup = cgroupOf(runner, sel);
  if (cgroup !== null) {
    const usec = cgroupCpuUsec(cgroup);
    if (usec !== null) {
      counter.addCgroupReading(cgroup, usec);
      if (sel === null) return 0; // stopped: nothing lives in it
      return cgroupMemoryBytes(cgroup) ?? rssOf(cgroupMembers(sel) ?? findTreeMembers(sel, recentTable()));
    }
  }
  const members = sel === null ? [] : findTreeMembers(sel, recentTable());
  counter.addProcReading(members, CLOCK_TICKS);
  return rssOf(members);
}

/**
 * The cgroup that holds the tree: the recorded start's, or, for a service with no process, the
 * one the daemon made for it (its cpu.stat still counts what earlier starts used).
 */
function cgroupOf(runner: ServiceRunner, sel: TreeSelector | null): string | null {
  if (sel !== null) return isCgroupUsable(sel) ? sel.cgroup : null;
  const path = runner.cgroupPath;
  return path !== null && existsSync(path) ? path : null;
}

function rssOf(members: readonly ProcStat[]): number {
  return members.reduce((sum, m) => (m.state === "Z" ? sum : sum + m.rssPages * PAGE_SIZE), 0);
}
