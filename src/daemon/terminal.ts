/**
 * The daemon's stderr and stdout, whose reader may go away at any time: `upkeep daemon 2>&1 |
 * logger` and the logger exits (EPIPE), the terminal it ran in closes (EIO). Node reports a
 * failed write as an 'error' event on the stream, and an 'error' event nobody listens to ends
 * the process: the daemon would stop supervising because nobody reads its messages. Here the
 * failures are listened to; once stderr's reader is gone the daemon's lines are not written
 * again (a stray console.error elsewhere still fails, harmlessly: Node cannot close stdio), and
 * a write that fails for another reason (ENOSPC on a `--detach` log file) is counted and the
 * next one tried. Lines not written are counted; the events are in the store (`upkeep events`).
 */
import { format } from "node:util";
import { errnoOf } from "../core/errors.js";

/** Errors after which the stream has no reader any more. */
const READER_GONE = new Set(["EPIPE", "EIO", "ECONNRESET", "EBADF", "ERR_STREAM_DESTROYED"]);

export class DaemonTerminal {
  /** Why stderr is gone ("EPIPE"), or null while it is there. */
  gone: string | null = null;
  /** Lines not written to stderr. */
  unwritten = 0;

  /** `onGone` hears once, when stderr's reader went away. */
  constructor(private readonly onGone: (why: string) => void) {
    process.stderr.on("error", (err) => this.failed(err));
    // The daemon prints nothing on stdout; a stray write's failure is dropped, not fatal.
    process.stdout.on("error", () => undefined);
  }

  /** The daemon's own messages, like console.error. */
  say(...parts: unknown[]): void {
    this.write(`${format(...parts)}\n`);
  }

  /** Writes `text` to stderr, or counts its lines when stderr is gone. */
  write(text: string): void {
    const lines = countLines(text);
    if (this.gone !== null) {
      this.unwritten += lines;
      return;
    }
    // Pipes and files are written synchronously on Linux; a failure arrives here and as 'error'.
    process.stderr.write(text, (err) => {
      if (err) this.unwritten += lines;
    });
  }

  private failed(err: unknown): void {
    const code = errnoOf(err) ?? "unknown error";
    if (this.gone !== null || !READER_GONE.has(code)) return;
    this.gone = code;
    this.onGone(code);
  }
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) n++;
  return Math.max(n, 1);
}
