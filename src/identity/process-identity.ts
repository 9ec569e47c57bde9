/**
 * Process identity: PID + kernel start time + boot id. A PID alone is reused by the kernel; the
 * triple never names two processes, so it tells a live record from a stale one by itself.
 */
import { readBootId, readBootTimeMs, startTimeToEpochMs } from "./boot-id.js";
import { readCmdline, readProcStat, type ProcStat } from "./proc-stat.js";

/**
 * PID + start time + boot id. The same shape as ProcessIdentity in src/store/store.ts, declared
 * here too because src/identity may not import src/store (layers); TypeScript's structural
 * typing makes the two interchangeable.
 */
export interface ProcessIdentity {
  pid: number;
  /** /proc/PID/stat field 22: start time in clock ticks since boot. */
  startTime: number;
  /** /proc/sys/kernel/random/boot_id */
  bootId: string;
}

/** What became of a recorded process. */
export type IdentityCheck =
  | { status: "live" }
  | { status: "gone" }
  | { status: "other_boot" }
  | { status: "reused"; found: { pid: number; comm: string; argv: string[]; startTime: number } };

/** True for processes that have exited but are not reaped yet: dead for every purpose of ours. */
export function isDeadState(stat: ProcStat): boolean {
  return stat.state === "Z" || stat.state === "X";
}

/** Captures the identity of a live process, or null when it is gone. */
export function captureIdentity(pid: number): ProcessIdentity | null {
  const stat = readProcStat(pid);
  if (stat === null || isDeadState(stat)) return null;
  return { pid, startTime: stat.startTime, bootId: readBootId() };
}

/**
 * Checks a recorded identity against the running system. `live` only when the boot id, the
 * PID and the start time all match. A zombie with the right identity is `gone`: it has exited
 * and only waits for its parent to reap it (possibly forever, under an init that never reaps).
 */
export function checkIdentity(id: ProcessIdentity): IdentityCheck {
  if (id.bootId !== readBootId()) return { status: "other_boot" };
  const stat = readProcStat(id.pid);
  if (stat === null) return { status: "gone" };
  if (stat.startTime !== id.startTime) {
    return {
      status: "reused",
      found: { pid: stat.pid, comm: stat.comm, argv: readCmdline(id.pid) ?? [], startTime: stat.startTime },
    };
  }
  return isDeadState(stat) ? { status: "gone" } : { status: "live" };
}

/** ISO-8601 in whole seconds, as operators read it: 2026-11-23T12:01:02Z. */
function formatEpochMs(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Describes a process for messages: "PID 123 (nginx) started 2026-11-23T12:01:02Z". */
export function describeProcess(pid: number): string {
  const stat = readProcStat(pid);
  if (stat === null) return `PID ${pid} (no longer running)`;
  const started = formatEpochMs(startTimeToEpochMs(stat.startTime, readBootTimeMs()));
  const zombie = isDeadState(stat) ? ", exited, not reaped yet" : "";
  return `PID ${pid} (${stat.comm}) started ${started}${zombie}`;
}

/** Says what a check found about a record, for stale events and check output. */
export function describeCheck(id: ProcessIdentity, check: IdentityCheck): string {
  switch (check.status) {
    case "live":
      return describeProcess(id.pid);
    case "gone":
      return `PID ${id.pid} is no longer running`;
    case "other_boot":
      return `PID ${id.pid} was recorded before the last reboot (boot ${id.bootId}), so it is not running`;
    case "reused": {
      const started = formatEpochMs(startTimeToEpochMs(check.found.startTime));
      const command = check.found.argv.length > 0 ? check.found.argv.join(" ") : check.found.comm;
      return (
        `PID ${id.pid} now belongs to another process: ${command} (${check.found.comm}), ` +
        `started ${started}; the recorded process is gone`
      );
    }
  }
}
