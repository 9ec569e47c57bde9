/**
 * Watching processes that are not upkeep's children (adopted after a daemon restart, forking
 * daemons' main PIDs, external services). Node cannot waitpid() them nor hold a pidfd, so one
 * shared timer re-checks each identity: one /proc/PID/stat read per watched process per tick.
 */
import { checkIdentity, type ProcessIdentity } from "./process-identity.js";

/** Why a watched process is no longer the one recorded. */
export type GoneReason = "gone" | "reused" | "other_boot";

export interface IdentityWatcherOptions {
  /** Milliseconds between checks (default 250): the worst-case delay before a death is noticed. */
  intervalMs?: number;
  /** Receives an error thrown by an onGone callback (default: rethrown, as any uncaught error). */
  onError?: (err: unknown) => void;
}

interface Watch {
  id: ProcessIdentity;
  onGone: (why: GoneReason) => void;
}

/** One timer for all watched processes; it runs only while something is watched, and is unref()ed. */
export class IdentityWatcher {
  readonly intervalMs: number;
  private readonly onError: (err: unknown) => void;
  private readonly watches = new Set<Watch>();
  private timer: NodeJS.Timeout | null = null;

  constructor(options: IdentityWatcherOptions = {}) {
    this.intervalMs = options.intervalMs ?? 250;
    this.onError =
      options.onError ??
      ((err) => {
        throw err;
      });
  }

  /** Calls onGone once when the process dies or its PID names another process; returns unwatch. */
  watch(id: ProcessIdentity, onGone: (why: GoneReason) => void): () => void {
    const entry: Watch = { id, onGone };
    this.watches.add(entry);
    if (this.timer === null) {
      this.timer = setInterval(() => this.checkNow(), this.intervalMs);
      this.timer.unref(); // watching alone must not keep the process alive
    }
    return () => this.remove(entry);
  }

  /** Number of processes watched. */
  get size(): number {
    return this.watches.size;
  }

  /** Runs one check of every watched process now (the timer calls this each tick). */
  checkNow(): void {
    const errors: unknown[] = [];
    for (const entry of [...this.watches]) {
      const check = checkIdentity(entry.id);
      if (check.status === "live") continue;
      this.remove(entry);
      try {
        entry.onGone(check.status);
      } catch (err) {
        errors.push(err); // one failing callback must not keep the others from being told
      }
    }
    for (const err of errors) this.onError(err);
  }

  /** Stops watching everything. */
  close(): void {
    this.watches.clear();
    this.stopTimer();
  }

  private remove(entry: Watch): void {
    this.watches.delete(entry);
    if (this.watches.size === 0) this.stopTimer();
  }

  private stopTimer(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
