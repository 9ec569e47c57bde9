/**
 * The host's top processes by CPU and by memory, as `ps aux --sort` or `top` would list them,
 * without running either: two asynchronous readings of /proc/PID/stat an interval apart (CPU
 * is the share of one core over that interval: what the host did around the incident, not
 * since each process began). Reads go through libuv's threadpool, so the daemon's event loop
 * (and any restart on it) does not wait for them. At most MAX_SCANNED processes are read.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { forEachLimited } from "../core/parallel.js";
import { userNameOf } from "../core/users.js";
import { CLOCK_TICKS, PAGE_SIZE, parseProcStat, type ProcStat } from "../identity/proc-stat.js";
import type { HostProcess } from "../store/incident-record.js";

/** Processes read per reading: beyond this (a host with a huge /proc) the rest are left out. */
export const MAX_SCANNED = 4000;
/** Reads in flight: enough to keep libuv's four threads busy, few enough to leave it to others. */
const READS_IN_FLIGHT = 8;
export const TOP_COUNT = 10;

export interface ProcessReading {
  at: number;
  stats: Map<number, ProcStat>;
  capped: boolean;
}

/** One reading of every process's stat (at most MAX_SCANNED of them). */
export async function readProcesses(maxScanned: number = MAX_SCANNED): Promise<ProcessReading> {
  const names = await readdir("/proc");
  const pids: number[] = [];
  for (const name of names) {
    const first = name.charCodeAt(0);
    if (first >= 48 && first <= 57) pids.push(Number(name));
  }
  const capped = pids.length > maxScanned;
  const stats = new Map<number, ProcStat>();
  await forEachLimited(pids.slice(0, maxScanned), READS_IN_FLIGHT, async (pid) => {
    // A process that ended between the listing and the read is simply not in the table.
    const text = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => null);
    const parsed = text === null ? null : parseProcStat(text);
    if (parsed !== null && parsed.ppid !== 2 && parsed.pid !== 2) stats.set(pid, parsed);
  });
  return { at: Date.now(), stats, capped };
}

/** The top TOP_COUNT by CPU over the interval between two readings, and by RSS at the second. */
export async function rankProcesses(
  first: ProcessReading,
  second: ProcessReading,
): Promise<{ topCpu: HostProcess[]; topMemory: HostProcess[] }> {
  const seconds = Math.max(0.001, (second.at - first.at) / 1000);
  const rows = [...second.stats.values()].map((s) => {
    const before = first.stats.get(s.pid);
    // A process new since the first reading (or a reused PID) counts from its start, which
    // lies inside the interval.
    const sameProcess = before !== undefined && before.startTime === s.startTime;
    const ticks = s.utimeTicks + s.stimeTicks - (sameProcess ? before.utimeTicks + before.stimeTicks : 0);
    const cpuPercent = Math.round((Math.max(0, ticks) / CLOCK_TICKS / seconds) * 1000) / 10;
    return { stat: s, cpuPercent };
  });
  const byCpu = [...rows].sort((a, b) => b.cpuPercent - a.cpuPercent).slice(0, TOP_COUNT);
  const byRss = [...rows].sort((a, b) => b.stat.rssPages - a.stat.rssPages).slice(0, TOP_COUNT);
  const users = new Map<number, string>();
  const describe = async (row: (typeof rows)[number]): Promise<HostProcess> => ({
    pid: row.stat.pid,
    user: await userOf(row.stat.pid, users),
    comm: row.stat.comm,
    cpuPercent: row.cpuPercent,
    rssBytes: row.stat.rssPages * PAGE_SIZE,
  });
  return {
    topCpu: await Promise.all(byCpu.map(describe)),
    topMemory: await Promise.all(byRss.map(describe)),
  };
}

/** The owner of /proc/PID (the process's real uid) by name, else the number; "?" when gone. */
async function userOf(pid: number, names: Map<number, string>): Promise<string> {
  const uid = await stat(`/proc/${pid}`).then(
    (s) => s.uid,
    () => null,
  );
  if (uid === null) return "?";
  let name = names.get(uid);
  if (name === undefined) {
    name = userNameOf(uid) ?? String(uid);
    names.set(uid, name);
  }
  return name;
}
