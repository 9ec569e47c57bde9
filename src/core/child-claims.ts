/**
 * Which of the daemon's children someone else reaps, and the exit statuses of those the daemon's
 * reaper took (src/daemon/reaper.ts). As a child subreaper (and as PID 1) the daemon inherits
 * every orphan of its services' trees and must reap them, but two others reap children of this
 * process one PID at a time and lose the status if anyone takes it first:
 *
 * - the native spawner (native/upkeep_native.c), through each service's pidfd: claimed from
 *   the spawn until its onExit/onExec(error) (wrapped in native.ts);
 * - libuv, for every `child_process` child (probes, commands, the FIFO holder, the fallback
 *   spawner): a child libuv has not reaped yet is still live to Node (`exitCode` and
 *   `signalCode` both null). Node publishes each new ChildProcess on the `child_process`
 *   diagnostics channel (from its constructor, so its PID is read later).
 *
 * Everything else that is our child and has exited is an orphan: the reaper reaps it and keeps
 * its status here for a while, keyed by PID and start time, for the IdentityWatcher: a forking
 * service's main process (re-parented to the daemon when its start command exits) then gets its
 * exit code in the exit event, like a simple service's.
 */
import type { ChildProcess } from "node:child_process";
import { subscribe } from "node:diagnostics_channel";

/** How an orphan ended: an exit code, or the name of the signal that killed it. */
export interface ReapedStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Statuses kept for the watcher; the oldest goes first (a death is looked up within a turn or two). */
const KEPT_STATUSES = 256;

const nativeChildren = new Set<number>();
const nodeChildren = new Set<ChildProcess>();
const statuses = new Map<string, ReapedStatus>();
let tracking = false;
let reapNow: (() => void) | null = null;

/** The native spawner's child `pid` is reaped by its own pidfd watch from now until released. */
export function claimNativeChild(pid: number): void {
  nativeChildren.add(pid);
}

/** The native spawner reaped `pid` (its onExit ran, or the exec failed and it was reaped). */
export function releaseNativeChild(pid: number): void {
  nativeChildren.delete(pid);
}

/** Starts following `child_process` children (idempotent); only those spawned from now on. */
export function trackNodeChildren(): void {
  if (tracking) return;
  tracking = true;
  subscribe("child_process", (message) => {
    const child = (message as { process?: ChildProcess }).process;
    if (child === undefined) return;
    nodeChildren.add(child);
    // Emitted once libuv has reaped it. (Only listened to: an 'error' listener would change
    // what an unhandled spawn error does.)
    child.once("exit", () => nodeChildren.delete(child));
  });
}

/**
 * True when `pid` is a child someone else reaps: the native spawner's, or a `child_process`
 * child libuv has not reaped yet. A ChildProcess without a PID by now failed to spawn (its PID
 * is set within spawn(), and this is never called within a spawn).
 */
export function isClaimedChild(pid: number): boolean {
  if (nativeChildren.has(pid)) return true;
  for (const child of nodeChildren) if (child.pid === pid && isUnreaped(child)) return true;
  return false;
}

/** Forgets the ChildProcesses that failed to spawn or were reaped (each sweep calls it). */
export function pruneNodeChildren(): void {
  for (const child of nodeChildren) if (!isUnreaped(child)) nodeChildren.delete(child);
}

function isUnreaped(child: ChildProcess): boolean {
  return child.pid !== undefined && child.exitCode === null && child.signalCode === null;
}

/** The reaper: `sweep` reaps every unclaimed exited child now (called before a status lookup). */
export function setReaper(sweep: (() => void) | null): void {
  reapNow = sweep;
}

/** Keeps the status of a reaped orphan for takeReapedStatus. */
export function keepReapedStatus(pid: number, startTime: number, status: ReapedStatus): void {
  statuses.set(`${pid}:${startTime}`, status);
  if (statuses.size > KEPT_STATUSES) statuses.delete(statuses.keys().next().value!);
}

/**
 * The exit status of the process `pid` started at `startTime`, when it was the daemon's child
 * and the reaper took it (reaping what has exited first); null when not known (another
 * process's child, or no reaper runs). Each status is given once.
 */
export function takeReapedStatus(pid: number, startTime: number): ReapedStatus | null {
  reapNow?.();
  const key = `${pid}:${startTime}`;
  const status = statuses.get(key) ?? null;
  statuses.delete(key);
  return status;
}
