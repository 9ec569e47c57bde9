/**
 * Pacing of a fast writer (docs/logs.md). A program such as `seq` writes 4 KiB at a time;
 * read at once, each write wakes the daemon, and both sides pay for it on every 4 KiB. A
 * writer that moves more than FAST_WRITER_BYTES_PER_MS over a window gets a pipe of
 * FAST_PIPE_BYTES, and after each wake-up its FIFO is left alone for HOLD_MS: the output
 * gathers in the pipe (a millisecond of it fits with room to spare) and is moved in 64 KiB
 * splices. Output then reaches the log up to a millisecond later.
 *
 * A big pipe counts against the user's pipe quota (/proc/sys/fs/pipe-user-pages-soft) for as
 * long as it is big, so it goes back to its earlier size once the writer slows down or has
 * been quiet for QUIET_MS, and a pipe an earlier daemon grew (the service keeps its FIFO open
 * across daemons) is given back at once. Where the kernel refuses the bigger pipe, nothing is
 * held: a 64 KiB pipe fills long before the hold ends.
 */
import type { NativeAddon, PollHandle } from "../core/native.js";

const FAST_WRITER_BYTES_PER_MS = 50_000;
const RATE_WINDOW_MS = 10;
export const FAST_PIPE_BYTES = 1024 * 1024;
export const DEFAULT_PIPE_BYTES = 64 * 1024;
const HOLD_MS = 1;
const QUIET_MS = 100;
/** After a refused resize, how long before asking again. */
const RESIZE_RETRY_MS = 10_000;

export class PipePacer {
  private windowStart = 0;
  private windowBytes = 0;
  /** The size to go back to; null while the pipe is not paced. */
  private grownFrom: number | null = null;
  private resizeRefusedAt = -Infinity;
  private quiet: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly addon: NativeAddon,
    private readonly fd: number,
    private readonly poll: PollHandle,
  ) {
    // Exactly our size: grown by an earlier daemon, whose reader is gone. (A size the
    // service chose itself is left alone.)
    if (this.size() === FAST_PIPE_BYTES) {
      this.grownFrom = DEFAULT_PIPE_BYTES;
      this.shrink();
    }
  }

  /** After each wake-up of the poll, with the bytes it moved. */
  afterWakeup(moved: number): void {
    if (this.closed) return;
    const now = Date.now();
    this.windowBytes += moved;
    const elapsed = now - this.windowStart;
    if (elapsed >= RATE_WINDOW_MS) {
      const fast = this.windowBytes >= FAST_WRITER_BYTES_PER_MS * elapsed;
      if (fast && this.grownFrom === null) this.grow(now);
      else if (!fast && this.grownFrom !== null) this.shrink();
      this.windowStart = now;
      this.windowBytes = 0;
    }
    if (this.grownFrom === null) return;
    this.addon.holdPoll(this.poll, HOLD_MS);
    this.armQuiet();
  }

  close(): void {
    this.closed = true;
    if (this.quiet) clearTimeout(this.quiet);
  }

  private grow(now: number): void {
    if (now - this.resizeRefusedAt < RESIZE_RETRY_MS) return;
    const size = this.size();
    if (size === null) return;
    if (size < FAST_PIPE_BYTES) {
      try {
        if (this.addon.setPipeSize(this.fd, FAST_PIPE_BYTES) < FAST_PIPE_BYTES) throw new Error("smaller");
      } catch {
        // EPERM: over the user's pipe quota (not root); the pipe keeps its size.
        this.resizeRefusedAt = now;
        return;
      }
    }
    this.grownFrom = size;
  }

  /** Back to the earlier size; kept paced while the pipe holds more than that (EBUSY). */
  private shrink(): void {
    const from = this.grownFrom;
    if (from === null) return;
    try {
      if (this.size() !== from) this.addon.setPipeSize(this.fd, from);
    } catch {
      // EBUSY: it holds more than `from` right now; the next slow window or quiet spell retries.
      this.armQuiet();
      return;
    }
    this.grownFrom = null;
    if (this.quiet) clearTimeout(this.quiet);
  }

  /** A writer that stops wakes nothing: this timer gives the pipe back after QUIET_MS. */
  private armQuiet(): void {
    if (this.quiet) this.quiet.refresh();
    else this.quiet = setTimeout(() => this.shrink(), QUIET_MS).unref();
  }

  private size(): number | null {
    try {
      return this.addon.pipeSize(this.fd);
    } catch {
      return null;
    }
  }
}
