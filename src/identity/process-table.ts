/**
 * One pass over /proc: every process's stat. Used where a question cannot be answered from a
 * known PID (a tree's escaped members, second copies of a service, port holders).
 */
import { readdirSync } from "node:fs";
import { readProcStat, type ProcStat } from "./proc-stat.js";

/** The PIDs listed in /proc right now (processes only: thread ids are not listed there). */
export function listPids(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    const first = name.charCodeAt(0);
    if (first >= 48 && first <= 57) pids.push(Number(name)); // digits: a process directory
  }
  return pids;
}

/**
 * Reads the stat of every process. A process that exits between the directory listing and the
 * read is skipped: that race is normal and the caller sees the table as of the read.
 */
export function scanProcesses(): ProcStat[] {
  const table: ProcStat[] = [];
  for (const pid of listPids()) {
    const stat = readProcStat(pid);
    if (stat !== null) table.push(stat);
  }
  return table;
}

/** True for kernel threads (kthreadd, pid 2, and its children): never part of a service. */
export function isKernelThread(stat: ProcStat): boolean {
  return stat.pid === 2 || stat.ppid === 2;
}
