/**
 * Which sockets a process holds: each open descriptor in /proc/PID/fd is a link, and a socket's
 * link reads "socket:[INODE]", the inode /proc/net/* lists for it. This is how `ss -p` and
 * `lsof -i` tie ports to processes, without running either.
 */
import { readdirSync, readlinkSync } from "node:fs";
import { UpkeepError, errnoOf } from "../core/errors.js";

const SOCKET_PREFIX = "socket:[";

/** Fails on an errno that /proc should never give us here, naming the path. */
function unexpected(path: string, pid: number, err: unknown): UpkeepError {
  return new UpkeepError("INTERNAL", `cannot read ${path}: ${errnoOf(err) ?? String(err)}`, {
    hint: "upkeep reads open sockets from /proc/PID/fd; check that /proc is mounted and not restricted (hidepid)",
    details: { pid, errno: errnoOf(err), file: path },
    cause: err,
  });
}

/**
 * The inodes of the sockets process `pid` holds. Empty when the process is gone or its fds are
 * not ours to read: the caller sees "holds no socket", which is true of a gone process, and for
 * one we may not inspect is the best that can be said without privileges.
 */
export function readSocketInodes(pid: number): Set<number> {
  const inodes = new Set<number>();
  const dir = `/proc/${pid}/fd`;
  let fds: string[];
  try {
    fds = readdirSync(dir);
  } catch (err) {
    const code = errnoOf(err);
    // ENOENT/ESRCH: the process exited (or is exiting) since its PID was listed.
    // EACCES/EPERM: another user's process while upkeep is not root (fd/ needs ptrace access).
    if (code === "ENOENT" || code === "ESRCH" || code === "EACCES" || code === "EPERM") return inodes;
    throw unexpected(dir, pid, err);
  }
  for (const fd of fds) {
    let target: string;
    try {
      target = readlinkSync(`${dir}/${fd}`);
    } catch (err) {
      const code = errnoOf(err);
      // ENOENT: this descriptor was closed (or the process exited) between the listing and now.
      // EACCES/EPERM: the process changed its credentials (setuid) since the listing.
      if (code === "ENOENT" || code === "EACCES" || code === "EPERM") continue;
      throw unexpected(`${dir}/${fd}`, pid, err);
    }
    if (target.startsWith(SOCKET_PREFIX)) inodes.add(Number(target.slice(SOCKET_PREFIX.length, -1)));
  }
  return inodes;
}
