/**
 * The daemon as a parent (docs/daemon.md, "PID 1 and orphans"). It makes itself a child
 * subreaper: a forking service's master, and any process a service's tree orphans, is then
 * re-parented to the daemon instead of init, so a master's exit status is known and no zombie
 * is left where init does not reap (a container whose init is the daemon, or a minimal one).
 * As PID 1 (`unshare --pid --fork`, a container) every orphan of the namespace comes here too.
 *
 * Each SIGCHLD schedules one sweep: is any child waiting to be reaped (waitid WNOWAIT, which
 * takes nothing)? Then each child listed in /proc/self/task/TID/children that is a zombie and
 * claimed by no one (core/child-claims.ts: the native spawner and libuv reap theirs one PID at
 * a time) is reaped by PID; a zombie's PID cannot be reused until it is reaped, so the PID
 * checked is the PID reaped. Its status is kept for the IdentityWatcher.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { errnoOf } from "../core/errors.js";
import {
  keepReapedStatus,
  isClaimedChild,
  pruneNodeChildren,
  setReaper,
  trackNodeChildren,
} from "../core/child-claims.js";
import { native, nativeError, nativeLoadError, signalName, type NativeAddon } from "../core/native.js";
import { readProcStat } from "../identity/proc-stat.js";

/** The reaper of one daemon; `stop` removes its SIGCHLD listener. */
export interface Reaper {
  /** Orphans reaped so far. */
  readonly reaped: number;
  /** Reaps every unclaimed exited child now. */
  sweep(): void;
  stop(): void;
}

/**
 * Makes this process a child subreaper and reaps its orphans from now on. Returns the reason
 * when it cannot (no native addon, or one built before native/reap.c). `warn` hears a
 * subreaper the kernel refused (the orphans that still come here are reaped) and a sweep that
 * failed (a /proc read): said, never thrown, and the next SIGCHLD sweeps again.
 */
export function startReaper(warn: (line: string) => void): Reaper | string {
  const addon = native;
  if (addon === null) return `the native addon is not loaded (${nativeLoadError ?? "unknown reason"})`;
  const { setChildSubreaper, peekZombieChild, reapChild } = addon;
  if (!setChildSubreaper || !peekZombieChild || !reapChild)
    return "the native addon was built before native/reap.c (rebuild it: npm rebuild)";
  // /proc of another PID namespace (`unshare --pid --fork` without --mount-proc) numbers
  // processes otherwise than the kernel does for us: no PID read there may be reaped.
  const seen = procPid();
  if (seen !== process.pid)
    return `/proc shows this process as PID ${seen}, not ${process.pid}: it is another PID namespace's (mount this one's: unshare --mount-proc)`;
  trackNodeChildren();
  try {
    setChildSubreaper();
  } catch (err) {
    warn(`cannot become a child subreaper (${nativeError(err).message}): orphans go to init`);
  }
  let reaped = 0;
  let scheduled = false;
  const sweep = (): void => {
    scheduled = false;
    try {
      reaped += reapOrphans(addon as Required<NativeAddon>);
    } catch (err) {
      warn(`could not reap orphaned processes: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(sweep);
  };
  process.on("SIGCHLD", schedule);
  setReaper(sweep);
  schedule(); // orphans that came before the listener
  return {
    get reaped() {
      return reaped;
    },
    sweep,
    stop: () => {
      process.off("SIGCHLD", schedule);
      setReaper(null);
    },
  };
}

/**
 * The daemon's start: the reaper, and a word when it cannot run or the daemon is PID 1 (whose
 * signals without a handler the kernel drops: SIGTERM, SIGINT, SIGHUP and SIGUSR1 all have one).
 */
export function becomeParentOfOrphans(say: {
  info: (line: string) => void;
  warn: (line: string) => void;
}): Reaper | null {
  const reaper = startReaper((line) => say.warn(`upkeep: ${line}`));
  if (typeof reaper === "string") {
    // Without the addon, its one start-up line (nativeFallbackNotice) already says so.
    if (native !== null) say.warn(`upkeep: orphaned processes are not reaped by the daemon: ${reaper}`);
    return null;
  }
  if (process.pid === 1)
    say.info("upkeep: running as PID 1: every orphan of this PID namespace is reaped here");
  return reaper;
}

/** One sweep: reaps each exited child nobody else reaps; returns how many. */
function reapOrphans(addon: Required<NativeAddon>): number {
  pruneNodeChildren();
  if (addon.peekZombieChild() === 0) return 0; // the common case: one waitid, no /proc read
  let count = 0;
  for (const pid of listChildren()) {
    if (isClaimedChild(pid)) continue;
    const stat = readProcStat(pid);
    if (stat === null || stat.state !== "Z" || stat.ppid !== process.pid) continue;
    let status: ReturnType<Required<NativeAddon>["reapChild"]>;
    try {
      status = addon.reapChild(pid);
    } catch (err) {
      // ECHILD: not our child after all (listed by a thread, then re-parented); nothing to reap.
      if (errnoOf(nativeError(err)) === "ECHILD") continue;
      throw nativeError(err);
    }
    if (status === null) continue;
    count++;
    const signal = status.signal === null ? null : signalName(status.signal);
    keepReapedStatus(pid, stat.startTime, { code: status.code, signal });
  }
  return count;
}

/** This process's PID as the mounted /proc numbers it. */
function procPid(): number {
  return Number(readlinkSync("/proc/self"));
}

/**
 * This process's children: /proc/self/task/TID/children of every thread (a child belongs to
 * the thread that forked it; orphans to the main thread). Without CONFIG_PROC_CHILDREN, every
 * /proc/PID/stat whose parent is this process.
 */
function listChildren(): number[] {
  const pids: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync("/proc/self/task");
  } catch (err) {
    throw new Error(`cannot list this process's threads: ${errnoOf(err) ?? String(err)}`);
  }
  for (const tid of tasks) {
    let text: string;
    try {
      text = readFileSync(`/proc/self/task/${tid}/children`, "utf8");
    } catch (err) {
      const code = errnoOf(err);
      if (code === "ENOENT" && tid === String(process.pid)) return scanForChildren();
      if (code === "ENOENT" || code === "ESRCH") continue; // a thread that ended meanwhile
      throw err;
    }
    for (const word of text.trim().split(/\s+/)) if (word !== "") pids.push(Number(word));
  }
  return pids;
}

/** The slow way (a kernel without CONFIG_PROC_CHILDREN): every process whose parent is us. */
function scanForChildren(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    if (readProcStat(Number(entry))?.ppid === process.pid) pids.push(Number(entry));
  }
  return pids;
}
