/**
 * Readiness by a line of output (`ready: log`): the first line the service writes from now on,
 * on stdout or stderr, that matches a pattern; and every such line (`health: log`, a heartbeat).
 *
 * It follows the log with timestamps, since that view tells the service's lines from upkeep's
 * own: every line reads "<ISO time> <out|err|upkeep> | <text>", and lifecycle markers ("started
 * PID 42") and loss markers ("output lost: ...") are the `upkeep` ones, which never count. (The
 * exact view cannot tell: it shows a loss marker as a plain "[upkeep] ..." line, or in the middle
 * of an unfinished one.) In that view a line unfinished for a second (follow.ts's idle flush) or
 * cut by a marker is shown, and so tried, as far as it was written.
 *
 * A line is matched on its first 64 KiB (WATCHED_LINE_BYTES): the rest of a longer line is
 * dropped as it is read, never held, so a service that prints a 200 MB line without a newline
 * costs the daemon 64 KiB, not 200 MB (and a line over Node's string limit cannot crash it).
 */
import { followLog } from "./follow.js";

const LINE = /^\S+ (out|err|upkeep) \| /;

/** How much of one output line a watcher holds and matches (docs/config.md, `ready: log`). */
export const WATCHED_LINE_BYTES = 64 * 1024;
/** Room for the timestamped view's "<ISO time> out | " prefix on top of the line. */
const PREFIX_ROOM = 128;

/**
 * Calls onMatch once with the first complete line (without its newline) captured from now on
 * that matches `pattern`, then stops. Returns stop(), for when it is no longer awaited.
 */
export function watchForLine(
  logsDir: string,
  service: string,
  pattern: RegExp,
  onMatch: (line: string) => void,
): () => void {
  const stop = watchLines(logsDir, service, pattern, (line) => {
    stop();
    onMatch(line);
  });
  return stop;
}

/**
 * Calls onMatch with every complete line captured from now on that matches `pattern` (a
 * heartbeat), until the returned stop() is called.
 */
export function watchLines(
  logsDir: string,
  service: string,
  pattern: RegExp,
  onMatch: (line: string) => void,
): () => void {
  // test() of a global or sticky regex moves lastIndex between lines: use a plain copy.
  const matcher = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ""));
  let rest = Buffer.alloc(0);
  let done = false;
  const options = { timestamps: true, fromEnd: true, maxLineBytes: WATCHED_LINE_BYTES };
  const stopFollowing = followLog(logsDir, service, options, (chunk) => {
    if (done) return;
    // The timestamped view delivers whole lines; a partial one would wait for its end here.
    const data = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    for (let newline = data.indexOf(10); newline !== -1; newline = data.indexOf(10, start)) {
      const end = Math.min(newline, start + WATCHED_LINE_BYTES + PREFIX_ROOM);
      const line = data.subarray(start, end).toString("utf8");
      start = newline + 1;
      const prefix = LINE.exec(line);
      if (prefix === null || prefix[1] === "upkeep") continue;
      const text = line.slice(prefix[0].length);
      if (matcher.test(text)) {
        onMatch(text);
        if (done) return;
      }
    }
    // Held, a partial line is bounded too (its end will be dropped: the view caps lines).
    const keep = Math.min(data.length - start, WATCHED_LINE_BYTES + PREFIX_ROOM);
    rest = Buffer.from(data.subarray(start, start + keep));
  });
  function stop(): void {
    if (done) return;
    done = true;
    stopFollowing();
  }
  return stop;
}

/** A matched line for a reason or detail: quoted, cut to 200 characters (a line may be 64 KiB). */
export function quoteMatchedLine(line: string): string {
  return line.length <= 200 ? JSON.stringify(line) : `${JSON.stringify(line.slice(0, 200))}…`;
}
