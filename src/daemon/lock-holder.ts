import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { isErrno } from "../core/errors.js";

/**
 * Who holds an abstract socket name, proven by the kernel's own word rather than by what the
 * holder says: the inode of the listening socket bound to the name (/proc/net/unix, readable by
 * everyone) must be among the open descriptors of a process whose real and effective uid are
 * the state dir's owner (/proc/PID/fd, readable for one's own processes and by root).
 * A holder that cannot be proven this way is "foreign": the daemon never names its PID.
 */
export type LockHolder = { kind: "free" } | { kind: "owner"; pid: number } | { kind: "foreign" };

const ACCEPTING = 0x10000; // __SO_ACCEPTCON in /proc/net/unix's Flags: a listening socket

/** Socket inodes listening on each abstract name (the name without its leading NUL). */
export function readListeningSockets(): Map<string, number[]> {
  const byName = new Map<string, number[]>();
  const lines = readFileSync("/proc/net/unix", "latin1").split("\n").slice(1);
  for (const line of lines) {
    // Num RefCount Protocol Flags Type St Inode Path
    const fields = line.trim().split(/\s+/);
    const path = fields[7];
    if (fields.length !== 8 || path === undefined || !path.startsWith("@")) continue;
    if ((parseInt(fields[3] ?? "0", 16) & ACCEPTING) === 0) continue;
    // Node binds an abstract name padded with NULs to the full sun_path, shown as '@'s.
    const name = path.slice(1).replace(/@+$/, "");
    const inodes = byName.get(name) ?? [];
    inodes.push(Number(fields[6]));
    byName.set(name, inodes);
  }
  return byName;
}

/**
 * Find who listens on `name` (an abstract name, leading NUL included). `likelyPids` are tried
 * first (the daemon's PID file); then every process of `ownerUid` is searched.
 */
export function findLockHolder(
  name: string,
  ownerUid: number,
  likelyPids: number[],
  sockets = readListeningSockets(),
): LockHolder {
  const inodes = sockets.get(name.slice(1));
  if (inodes === undefined) return { kind: "free" };
  const wanted = new Set(inodes.map((inode) => `socket:[${inode}]`));
  const seen = new Set<number>();
  for (const pid of [...likelyPids, ...listPids()]) {
    if (seen.has(pid)) continue;
    seen.add(pid);
    if (isOwnedBy(pid, ownerUid) && holdsOneOf(pid, wanted)) return { kind: "owner", pid };
  }
  return { kind: "foreign" };
}

function listPids(): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number);
}

/** Real and effective uid are both `uid` (/proc/PID/status `Uid:` real, effective, saved, fs). */
function isOwnedBy(pid: number, uid: number): boolean {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "latin1");
  } catch (err) {
    if (isErrno(err, "ENOENT") || isErrno(err, "ESRCH")) return false; // it ended meanwhile
    throw err;
  }
  const ids = /^Uid:\s+(\d+)\s+(\d+)/m.exec(status);
  return ids !== null && Number(ids[1]) === uid && Number(ids[2]) === uid;
}

function holdsOneOf(pid: number, targets: Set<string>): boolean {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch (err) {
    // Gone, or not ours to read (a process made non-dumpable): it cannot be proven the holder.
    if (["ENOENT", "ESRCH", "EACCES", "EPERM"].some((code) => isErrno(err, code))) return false;
    throw err;
  }
  for (const fd of fds) {
    try {
      if (targets.has(readlinkSync(`/proc/${pid}/fd/${fd}`))) return true;
    } catch (err) {
      // A descriptor closed between the listing and the read (or unreadable) is not the lock.
      if (!["ENOENT", "EACCES", "EPERM"].some((code) => isErrno(err, code))) throw err;
    }
  }
  return false;
}
