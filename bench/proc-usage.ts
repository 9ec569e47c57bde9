/**
 * What the bench reads from /proc (a process's memory and CPU time, processes carrying a
 * marker) and its two clocks. /proc is read directly: no `ps`, whose own start-up would be
 * noise next to the figures we take.
 */
import { readFileSync, readdirSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { CLOCK_TICKS, environContains, readProcStat } from "../src/identity/proc-stat.js";

/** Wall-clock time in ms with sub-ms precision (comparable with the daemon's Date.now()). */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}

/** A pause of `ms`: only between measurements, never to wait for a condition. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resident set size in bytes (VmRSS of /proc/PID/status). */
export function readRssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmRSS line in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** CPU time (user + system) the process has used so far, in seconds (10 ms resolution). */
export function readCpuSeconds(pid: number): number {
  const stat = readProcStat(pid);
  if (!stat) throw new Error(`process ${pid} is gone: cannot read its CPU time`);
  return (stat.utimeTicks + stat.stimeTicks) / CLOCK_TICKS;
}

/** PIDs of live processes whose environment holds `name=value` (zombies excluded). */
export function findPidsWithMarker(name: string, value: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!/^\d+$/.test(entry) || pid === process.pid) continue;
    // Both reads return "gone" (null / false) for a process that ends during the scan.
    if (readProcStat(pid)?.state === "Z") continue;
    if (environContains(pid, `${name}=${value}`)) pids.push(pid);
  }
  return pids;
}
