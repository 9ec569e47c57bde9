/**
 * The test's own view of the process table, read from /proc without upkeep's code: tests check
 * upkeep's answers against it. For daemons such as nginx that rewrite their argv and environ
 * (so a test's marker cannot be seen in them), tests find processes by session, parent or name.
 */
import { readdirSync, readFileSync } from "node:fs";

/** One live process (zombies are left out: they hold nothing and cannot be killed). */
export interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  comm: string;
  /** Clock ticks since boot: with the PID, the process's identity. */
  startTime: number;
  cmdline: string;
}

/** The process with this PID, or null when it is gone or a zombie. */
export function readProc(pid: number): ProcInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = stat.lastIndexOf(")");
    const fields = stat.slice(close + 2).split(" ");
    if (fields[0] === "Z" || fields[0] === "X") return null;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim();
    return {
      pid,
      ppid: Number(fields[1]),
      pgid: Number(fields[2]),
      sid: Number(fields[3]),
      comm: stat.slice(stat.indexOf("(") + 1, close),
      startTime: Number(fields[19]),
      cmdline,
    };
  } catch {
    // ENOENT/ESRCH: the process ended while it was read, so it is not live
    return null;
  }
}

/** Every live process on the host, except the test process itself. */
export function listProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const info = readProc(Number(entry));
    if (info !== null) out.push(info);
  }
  return out;
}

/** True while `seen` still runs: same PID, same start time, not a zombie. */
export function isSameProcessAlive(seen: ProcInfo): boolean {
  const now = readProc(seen.pid);
  return now !== null && now.startTime === seen.startTime;
}

/** SIGKILL each process that is still the one seen (a reused PID is never hit); returns those hit. */
export function killSeen(seen: ProcInfo[]): number[] {
  const hit: number[] = [];
  for (const p of seen) {
    if (!isSameProcessAlive(p)) continue;
    try {
      process.kill(p.pid, "SIGKILL");
      hit.push(p.pid);
    } catch {
      // ESRCH: it exited between the check and the kill, which is what we wanted
    }
  }
  return hit;
}
