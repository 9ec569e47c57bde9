/**
 * A snapshot of the host for an incident: what the old cron watchdog mailed with its
 * "Restarting apache" (`ps`, `w`, `vmstat`), read from /proc and utmp only. Two readings an
 * interval apart give the rates and the CPU shares. Asynchronous from end to end: the daemon
 * awaits it off the restart path, and its cost is measured (tookMs; docs/incidents.md).
 */
import type { HostSnapshot } from "../store/incident-record.js";
import { readHostCounters, vmstatBetween } from "./proc-counters.js";
import { MAX_SCANNED, rankProcesses, readProcesses } from "./top-processes.js";
import { readLoggedInUsers, UTMP_FILE } from "./utmp.js";

export interface SnapshotOptions {
  /** Between the two readings; the rates and CPU shares are over it. */
  intervalMs?: number;
  maxScanned?: number;
  utmpFile?: string;
}

export const DEFAULT_SNAPSHOT_INTERVAL_MS = 250;

/** Takes one host snapshot (about intervalMs plus two scans of /proc). */
export async function takeHostSnapshot(options: SnapshotOptions = {}): Promise<HostSnapshot> {
  const started = performance.now();
  const intervalMs = options.intervalMs ?? DEFAULT_SNAPSHOT_INTERVAL_MS;
  const maxScanned = options.maxScanned ?? MAX_SCANNED;
  const notes: string[] = [];
  const [countersA, processesA] = await Promise.all([readHostCounters(notes), readProcesses(maxScanned)]);
  await new Promise<void>((resolve) => setTimeout(resolve, intervalMs));
  const [countersB, processesB, logins] = await Promise.all([
    readHostCounters(notes),
    readProcesses(maxScanned),
    readLoggedInUsers(options.utmpFile ?? UTMP_FILE),
  ]);
  const { topCpu, topMemory } = await rankProcesses(processesA, processesB);
  if (logins.note !== null) notes.push(logins.note);
  const capped = processesA.capped || processesB.capped;
  if (capped)
    notes.push(`more than ${maxScanned} processes: only the first ${maxScanned} of /proc were read`);
  return {
    at: countersB.at,
    intervalMs: countersB.at - countersA.at,
    load: countersB.load,
    memory: countersB.memory,
    vmstat: vmstatBetween(countersA, countersB),
    topCpu,
    topMemory,
    processesScanned: processesB.stats.size,
    scanCapped: capped,
    users: logins.users,
    notes: [...new Set(notes)],
    tookMs: Math.round((performance.now() - started) * 10) / 10,
  };
}
