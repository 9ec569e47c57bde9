/**
 * Signalling and killing a service's whole tree. Every PID found by a scan is re-checked
 * (start time) right before it is signalled, so a PID the kernel handed to another program
 * in the meantime is never hit.
 */
import { withoutStacks } from "../core/without-stacks.js";
import { setTimeout as delay } from "node:timers/promises";
import { errnoOf } from "../core/errors.js";
import { cgroupPids, isCgroupEmpty, killCgroup } from "./cgroup.js";
import { readProcStat, type ProcStat } from "./proc-stat.js";
import { isDeadState } from "./process-identity.js";
import { findTreeMembers, isCgroupUsable, type TreeSelector } from "./process-tree.js";

/** How often killTreeAndWait looks whether the killed processes are gone. */
const POLL_MS = 5;

/** True when `pid` still is the process `seen` (same start time) and has not exited. */
function isStillLive(seen: ProcStat): boolean {
  const now = readProcStat(seen.pid);
  return now !== null && now.startTime === seen.startTime && !isDeadState(now);
}

/** Signals the given processes after re-checking each one's identity; returns the PIDs hit. */
export function signalMembers(members: ProcStat[], signal: NodeJS.Signals): number[] {
  const sent: number[] = [];
  for (const member of members) {
    if (!isStillLive(member)) continue; // exited, or its PID now names another process
    try {
      process.kill(member.pid, signal);
      sent.push(member.pid);
      // A stopped process acts on SIGTERM (and most signals) only once continued.
      if (member.state === "T" && signal !== "SIGKILL" && signal !== "SIGSTOP")
        process.kill(member.pid, "SIGCONT");
    } catch (err) {
      if (errnoOf(err) !== "ESRCH") throw err; // ESRCH: it exited between the check and the kill
    }
  }
  return sent;
}

/** Sends `signal` to every live member of the tree; returns the PIDs signalled. */
export function signalTree(sel: TreeSelector, signal: NodeJS.Signals): number[] {
  // When the main process sits in the service's cgroup, the cgroup holds the whole tree (a
  // fork cannot leave it): reading cgroup.procs replaces a scan of every process on the host,
  // which made stopping a thousand services quadratic.
  if (isCgroupUsable(sel)) {
    const pids = cgroupPids(sel.cgroup);
    if (pids.includes(sel.pid)) {
      const members = pids
        .map((pid) => readProcStat(pid))
        .filter((s): s is ProcStat => s !== null && !isDeadState(s) && s.startTime >= sel.startTime);
      return signalMembers(members, signal);
    }
  }
  return signalMembers(findTreeMembers(sel), signal);
}

/** True when a process group (or the group of a session leader) with this id has a member. */
function groupExists(id: number): boolean {
  if (id <= 1) return false;
  try {
    // ESRCH, the group is gone, is the usual answer after an exit: no stack is built for it.
    withoutStacks(() => process.kill(-id, 0));
    return true;
  } catch (err) {
    if (errnoOf(err) === "ESRCH") return false;
    if (errnoOf(err) === "EPERM") return true; // exists, owned by another user
    throw err;
  }
}

/**
 * The fast answer for the common crash case (main process exited, nothing else left), without
 * a scan of /proc: the cgroup is unpopulated, the group and session have no member, the main
 * PID is gone. Without a cgroup only a scan can prove that no escaped member lives.
 */
export function isTreeGoneFast(sel: TreeSelector): boolean {
  if (!isCgroupUsable(sel) || !isCgroupEmpty(sel.cgroup)) return false;
  if (groupExists(sel.pgid) || (sel.sid !== sel.pgid && groupExists(sel.sid))) return false;
  const main = readProcStat(sel.pid);
  return main === null || main.startTime !== sel.startTime || isDeadState(main);
}

/** Result of killTreeAndWait: PIDs sent SIGKILL, and those still alive at the deadline. */
export interface KillResult {
  killed: number[];
  survivors: number[];
}

/**
 * SIGKILLs the whole tree (every PID of its cgroup, plus a scan-based pass for anything
 * outside the cgroup) and waits, polling /proc every 5 ms, until none is left or the deadline
 * passes. Repeats the pass while new members appear (a process forking as it was killed).
 */
export async function killTreeAndWait(sel: TreeSelector, timeoutMs: number): Promise<KillResult> {
  if (isTreeGoneFast(sel)) return { killed: [], survivors: [] };
  const deadline = Date.now() + timeoutMs;
  const killed = new Set<number>();
  for (;;) {
    // Scan first, then kill: what the kill turns into zombies still counts as killed.
    const alive = findTreeMembers(sel).filter((m) => !isDeadState(m));
    if (isCgroupUsable(sel)) killCgroup(sel.cgroup);
    signalMembers(alive, "SIGKILL");
    for (const member of alive) killed.add(member.pid);
    if (alive.length === 0 && (!isCgroupUsable(sel) || isCgroupEmpty(sel.cgroup))) {
      return { killed: [...killed], survivors: [] };
    }
    let left = alive.filter(isStillLive);
    while (left.length > 0 && Date.now() < deadline) {
      await delay(POLL_MS);
      left = left.filter(isStillLive);
    }
    if (Date.now() >= deadline) {
      const survivors = findTreeMembers(sel).filter((m) => !isDeadState(m));
      return { killed: [...killed], survivors: survivors.map((m) => m.pid) };
    }
    // All we saw is gone: loop once more to prove that no new member appeared meanwhile.
    if (left.length === 0 && alive.length === 0) await delay(POLL_MS); // cgroup still draining
  }
}
