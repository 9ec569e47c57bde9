/**
 * After start-up, and again once the daemon has been quiet for a while after lifecycle
 * activity: one full garbage collection, then the clean file pages it touched meanwhile go
 * back to the kernel.
 *
 * The daemon runs without V8's memory reducer (node-flags.ts): left on, the reducer collects
 * the start-up burst's garbage over the first half-minute of an otherwise idle daemon
 * (≈0.06–0.12 s of CPU with 200 services, in steps 8 s apart), which is most of what an idle
 * daemon ever spends. Collecting once, right after the burst, does that work while the daemon
 * is busy anyway; the daemon then idles at zero CPU.
 *
 * Start-up touches about 35 MB of the node binary's code and read-only data that a running
 * daemon rarely needs again (V8's parser and compilers, the startup snapshot, ICU); a burst of
 * restarts touches some of it once more. releaseStartupPages (native/memory.c) gives those
 * clean pages back; the few the daemon uses come back from the page cache on first touch (a
 * minor fault each). docs/daemon.md has the figures.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { native } from "../core/native.js";

/** After the last services' ready and first-output work: the start-up burst's last event. */
const STARTUP_DELAY_MS = 500;
/** The start-up settle waits for quiet at most this long (a service that never stops flapping). */
const STARTUP_SETTLE_MAX_MS = 10_000;
/** Quiet time after the last lifecycle event before settling again. */
const QUIET_MS = 30_000;

export class MemorySettler {
  private startupTimer: NodeJS.Timeout | null = null;
  private quietTimer: NodeJS.Timeout | null = null;
  private started = false;
  private stopped = false;
  private startupDeadline = 0;

  /**
   * Every service has been asked to start: settle once the burst that follows (spawns, services
   * becoming ready, first output) has been quiet for STARTUP_DELAY_MS. With 1000 services the
   * spawns go on for a second or two after this call; a settle in the middle of them left most
   * of their garbage for the quiet-time settle half a minute later.
   */
  startupDone(): void {
    if (this.stopped) return;
    this.started = true;
    this.startupDeadline = Date.now() + STARTUP_SETTLE_MAX_MS;
    this.startupTimer = setTimeout(() => {
      this.startupTimer = null;
      settleMemory();
    }, STARTUP_DELAY_MS).unref();
  }

  /** A lifecycle event: settle again once the daemon has been quiet for QUIET_MS. */
  activity(): void {
    if (!this.started || this.stopped) return; // still starting: the start-up settle comes first
    if (this.startupTimer !== null && Date.now() < this.startupDeadline) {
      this.startupTimer.refresh(); // still the start-up burst
      return;
    }
    if (this.quietTimer === null) this.quietTimer = setTimeout(settleMemory, QUIET_MS).unref();
    else this.quietTimer.refresh();
  }

  /** The daemon is shutting down: no collection or release midway through it. */
  stop(): void {
    this.stopped = true;
    if (this.startupTimer !== null) clearTimeout(this.startupTimer);
    if (this.quietTimer !== null) clearTimeout(this.quietTimer);
  }
}

let gc: (() => void) | undefined;
let releaseFailed = false;

function settleMemory(): void {
  // V8 exposes gc() only behind a flag: set it and take the function from a fresh context,
  // which leaves the daemon's own global object as it is.
  if (gc === undefined) {
    setFlagsFromString("--expose-gc");
    gc = runInNewContext("gc") as (() => void) | undefined;
  }
  gc?.();
  if (native === null || releaseFailed) return;
  try {
    native.releaseStartupPages();
  } catch (err) {
    // /proc/self/pagemap missing (a kernel without it, a sandbox): keep the pages, say so once.
    releaseFailed = true;
    process.emitWarning(
      `upkeep: start-up pages are kept: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
