/**
 * Watching processes that are not upkeep's children (adopted after a daemon restart, forking
 * daemons' main PIDs, external services). Node cannot waitpid() them, so with the native addon
 * each one gets a pidfd (pidfd_open(2), native/pidfd.c) polled by libuv: the kernel makes it
 * readable as soon as it marks the process exited, and the loop's next turn reports it: sub-ms
 * after a SIGKILL (kill → onGone p50 0.4–0.7 ms, p95 0.7–2.3 ms over three runs of
 * bench/watch-latency.ts), with no work at all while the process runs. Without the addon, or
 * when pidfd_open fails (ENOSYS, EMFILE), the entry falls back to one shared timer that
 * re-checks each identity every `intervalMs`: one /proc/PID/stat read per such process per tick
 * (200 processes at 250 ms: ≈1.6 s of CPU per minute), and a death noticed within one interval.
 */
import { closeSync } from "node:fs";
import { takeReapedStatus, type ReapedStatus } from "../core/child-claims.js";
import { native, type NativeAddon, type PollHandle } from "../core/native.js";
import { checkIdentity, type IdentityCheck, type ProcessIdentity } from "./process-identity.js";

/** Why a watched process is no longer the one recorded. */
export type GoneReason = "gone" | "reused" | "other_boot";

export interface IdentityWatcherOptions {
  /**
   * Milliseconds between checks of processes on the timer path (default 250): the worst-case
   * delay before their death is noticed. Processes watched through a pidfd are not polled.
   */
  intervalMs?: number;
  /** Receives an error thrown by an onGone callback (default: rethrown, as any uncaught error). */
  onError?: (err: unknown) => void;
  /** false: never open pidfds, watch every process on the timer (tests, the bench's comparison). */
  pidfd?: boolean;
}

/**
 * Told once when the watched process is gone: why, and its exit status when it was the daemon's
 * own child (a forking master re-parented to the subreaper daemon) and the daemon's reaper took
 * it (core/child-claims.ts); null otherwise.
 */
export type OnGone = (why: GoneReason, status: ReapedStatus | null) => void;

interface Watch {
  id: ProcessIdentity;
  onGone: OnGone;
  /** The process's pidfd and its poll; null on the timer path (or once removed). */
  pidfd: { fd: number; poll: PollHandle } | null;
}

/**
 * Watches processes by identity: through pidfds when it can, else on one timer for all of them
 * that runs only while such a process is watched. Neither keeps the process alive (the timer is
 * unref()ed, and so are the polls).
 */
export class IdentityWatcher {
  readonly intervalMs: number;
  private readonly onError: (err: unknown) => void;
  private readonly addon: NativeAddon | null;
  private readonly watches = new Set<Watch>();
  /** The entries on the timer path. */
  private readonly polled = new Set<Watch>();
  private timer: NodeJS.Timeout | null = null;

  constructor(options: IdentityWatcherOptions = {}) {
    this.intervalMs = options.intervalMs ?? 250;
    this.addon = options.pidfd === false ? null : native;
    this.onError =
      options.onError ??
      ((err) => {
        throw err;
      });
  }

  /** Calls onGone once when the process dies or its PID names another process; returns unwatch. */
  watch(id: ProcessIdentity, onGone: OnGone): () => void {
    const entry: Watch = { id, onGone, pidfd: null };
    this.watches.add(entry);
    // The pidfd first, the check second: a pidfd opened after the check could name a process
    // that took the PID in between. Opened first, it names whoever held the PID at the open,
    // and the check then proves that this is still the recorded process.
    const fd = this.openPidfd(id.pid);
    let check: IdentityCheck;
    try {
      check = checkIdentity(id);
    } catch (err) {
      if (fd !== null) closeSync(fd); // not watched after all: leak neither the fd nor the entry
      this.watches.delete(entry);
      throw err;
    }
    if (check.status !== "live") {
      if (fd !== null) closeSync(fd);
      // Told after watch() has returned, as the timer would: the caller may still be storing
      // the unwatch function that its callback uses. checkNow() may tell it sooner.
      queueMicrotask(() => this.report([[entry, check.status]]));
    } else if (fd === null || !this.startPoll(entry, fd)) {
      this.startTimer(entry);
    }
    return () => this.remove(entry);
  }

  /** Number of processes watched. */
  get size(): number {
    return this.watches.size;
  }

  /** Number of watched processes on the timer path (no pidfd): 0 means no timer runs. */
  get pollingCount(): number {
    return this.polled.size;
  }

  /** Runs one check of every watched process now (the timer checks those on its path each tick). */
  checkNow(): void {
    this.checkAll(this.watches);
  }

  /** Stops watching everything. */
  close(): void {
    for (const entry of this.watches) this.stopPoll(entry);
    this.watches.clear();
    this.polled.clear();
    this.stopTimer();
  }

  /** A pidfd for `pid`, or null: the timer path then watches it (or the check says it is gone). */
  private openPidfd(pid: number): number | null {
    if (this.addon === null) return null;
    try {
      return this.addon.pidfdOpen(pid);
    } catch (err) {
      // Deliberately not rethrown: ESRCH (no such process) is for the check that follows to
      // name; ENOSYS (Linux < 5.3), EMFILE/ENFILE (out of descriptors), EINVAL (a thread ID)
      // and a TypeError from an addon built before pidfdOpen existed all leave the timer path,
      // which watches the same identity, only less promptly.
      void err;
      return null;
    }
  }

  /** Polls the pidfd; false (fd closed) when libuv refuses it, for the timer path to take over. */
  private startPoll(entry: Watch, fd: number): boolean {
    const addon = this.addon!;
    try {
      const poll = addon.pollReadable(fd, () => this.exited(entry));
      addon.unrefPoll(poll); // watching alone must not keep the process alive
      entry.pidfd = { fd, poll };
      return true;
    } catch (err) {
      // Deliberately not rethrown: uv_poll_init/uv_poll_start failing (ENOMEM, ENOSPC from
      // epoll's max_user_watches) costs this entry its promptness, not its watch.
      void err;
      closeSync(fd);
      return false;
    }
  }

  /** The pidfd became readable: the process has exited (it may be a zombie, or reaped). */
  private exited(entry: Watch): void {
    if (!this.watches.has(entry)) return;
    const check = checkIdentity(entry.id);
    if (check.status === "live") {
      // The kernel marks a pidfd readable only once the whole thread group has exited, and
      // /proc shows that at once, so this is not expected; but a level-triggered poll that
      // fires for a live process would spin. Never call a live process gone: poll instead.
      this.stopPoll(entry);
      this.startTimer(entry);
      return;
    }
    this.report([[entry, check.status]]);
  }

  private startTimer(entry: Watch): void {
    this.polled.add(entry);
    if (this.timer === null) {
      this.timer = setInterval(() => this.checkAll(this.polled), this.intervalMs);
      this.timer.unref(); // watching alone must not keep the process alive
    }
  }

  private checkAll(entries: ReadonlySet<Watch>): void {
    const gone: Array<[Watch, GoneReason]> = [];
    for (const entry of entries) {
      const check = checkIdentity(entry.id);
      if (check.status !== "live") gone.push([entry, check.status]);
    }
    this.report(gone);
  }

  /** Removes each entry still watched and tells its callback; callback errors go to onError. */
  private report(gone: ReadonlyArray<[Watch, GoneReason]>): void {
    const errors: unknown[] = [];
    for (const [entry, why] of gone) {
      if (!this.watches.has(entry)) continue; // unwatched, or already told (by checkNow)
      this.remove(entry);
      const status = why === "gone" ? takeReapedStatus(entry.id.pid, entry.id.startTime) : null;
      try {
        entry.onGone(why, status);
      } catch (err) {
        errors.push(err); // one failing callback must not keep the others from being told
      }
    }
    for (const err of errors) this.onError(err);
  }

  private remove(entry: Watch): void {
    this.watches.delete(entry);
    this.stopPoll(entry);
    this.polled.delete(entry);
    if (this.polled.size === 0) this.stopTimer();
  }

  /** Stops the entry's poll and closes its pidfd (stopPoll first: libuv must not poll a closed fd). */
  private stopPoll(entry: Watch): void {
    if (entry.pidfd === null) return;
    this.addon!.stopPoll(entry.pidfd.poll);
    closeSync(entry.pidfd.fd);
    entry.pidfd = null;
  }

  private stopTimer(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
