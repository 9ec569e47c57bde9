/**
 * The tie a pidfile the operator declared gives (SPEC §2, §6): it names the process that wrote
 * it, so its PID is taken as the service's when that process already ran when the file was
 * last written. A process that began after the write holds a reused number, not the writer's,
 * and is refused. The file must also be one its writer could have been that process: owned by
 * root or by a user id the process runs as, so a user who can write the pidfile's folder
 * cannot make upkeep take (and later signal) another user's process.
 *
 * Times: the process start is ticks since boot (/proc/PID/stat field 22), the file's mtime wall
 * clock; the start is turned into wall-clock time through the current uptime (not /proc/stat's
 * btime, which has only second precision). A wall clock stepped forward between the write and
 * now makes a genuine writer look late: that is a refusal with the reason, and `--force`.
 */
import { CLOCK_TICKS, readProcessUids, type ProcStat } from "../identity/proc-stat.js";
import { readUptimeTicks } from "../identity/boot-id.js";

/**
 * How much later than the file's mtime a process may seem to start and still count as its
 * writer: start times count in 10 ms ticks and /proc/uptime in 10 ms, and file times use the
 * kernel's coarse clock (one jiffy, up to 10 ms behind). A PID reused within this window
 * would need the whole PID space to wrap around in it.
 */
export const WRITE_SLACK_MS = 50;

/** The pidfile as read: the PID, and the owner and last write of the very file read. */
export interface PidfileWrite {
  path: string;
  pid: number;
  uid: number;
  mtimeMs: number;
}

/** The tie the pidfile gives the process, or why it gives none. */
/** `foreign`: the pidfile's owner is not the process's, so the file says nothing of it. */
export type PidfileTie = { tie: string; why: null } | { tie: null; why: string; foreign?: boolean };

/** ISO-8601 with milliseconds: a reused PID may start within the second of the write. */
function formatEpochMs(ms: number): string {
  return new Date(ms).toISOString();
}

/** When the process started, in epoch milliseconds (wall clock), from its start ticks. */
export function processStartEpochMs(stat: ProcStat, now = Date.now()): number {
  const ageTicks = Math.max(0, readUptimeTicks() + 1 - stat.startTime);
  return now - (ageTicks * 1000) / CLOCK_TICKS;
}

/** Does the pidfile tie the process it names (see the file comment)? */
export function tieByPidfile(write: PidfileWrite, stat: ProcStat): PidfileTie {
  const uids = readProcessUids(stat.pid);
  if (uids === null) return { tie: null, why: `PID ${stat.pid} ended while it was looked at` };
  if (write.uid !== 0 && !uids.includes(write.uid)) {
    return {
      tie: null,
      why:
        `pidfile ${write.path} is owned by uid ${write.uid}, and PID ${stat.pid} runs as uid ` +
        `${uids[1] ?? "?"}: a pidfile ties only a process of its owner (or a root-owned one, any)`,
      foreign: true,
    };
  }
  const started = processStartEpochMs(stat);
  const written = formatEpochMs(write.mtimeMs);
  if (started > write.mtimeMs + WRITE_SLACK_MS) {
    return {
      tie: null,
      why:
        `PID ${stat.pid} started ${formatEpochMs(started)}, after pidfile ${write.path} was last ` +
        `written (${written}): the number now belongs to another process than the one that wrote it`,
    };
  }
  return { tie: `it was running when pidfile ${write.path} was last written (${written})`, why: null };
}
