/**
 * The host's top processes by CPU and by memory, as `ps aux --sort` or `top` would list them,
 * without running either: two readings of /proc/PID/stat an interval apart (CPU is the share
 * of one core over that interval: what the host did around the incident, not since each
 * process began). Each reading goes in batches of BATCH synchronous reads with a turn of the
 * event loop between them, so a restart waits behind one batch at most (~1 ms); asynchronous
 * reads through the threadpool cost four times the CPU (docs/incidents.md, "Costs"). At most
 * MAX_SCANNED processes are read.
 */
import { stat } from "node:fs/promises";
import { userNameOf } from "../core/users.js";
import { CLOCK_TICKS, PAGE_SIZE, readProcStat, type ProcStat } from "../identity/proc-stat.js";
import { isKernelThread, listPids } from "../identity/process-table.js";
import type { HostProcess } from "../store/incident-record.js";

/** Processes read per reading: beyond this (a host with a huge /proc) the rest are left out. */
export const MAX_SCANNED = 4000;
/** Synchronous reads between two turns of the event loop (~20 µs each). */
const BATCH = 64;
export const TOP_COUNT = 10;

export interface ProcessReading {
  at: number;
  stats: Map<number, ProcStat>;
  capped: boolean;
}

/** One reading of every process's stat (at most MAX_SCANNED of them). */
export async function readProcesses(maxScanned: number = MAX_SCANNED): Promise<ProcessReading> {
  const pids = listPids();
  const capped = pids.length > maxScanned;
  const stats = new Map<number, ProcStat>();
  const wanted = pids.slice(0, maxScanned);
  for (let start = 0; start < wanted.length; start += BATCH) {
    if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    for (const pid of wanted.slice(start, start + BATCH)) {
      // A process that ended between the listing and the read is simply not in the table.
      const parsed = readStatOrNull(pid);
      if (parsed !== null && !isKernelThread(parsed)) stats.set(pid, parsed);
    }
  }
  return { at: Date.now(), stats, capped };
}

/** The stat of `pid`; null when gone or unreadable (hidepid=2 hides others' processes). */
function readStatOrNull(pid: number): ProcStat | null {
  try {
    return readProcStat(pid);
  } catch (err) {
    void err; // EACCES and the like: a process the snapshot cannot see is left out of it
    return null;
  }
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
