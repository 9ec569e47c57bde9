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
 */
import { followLog } from "./follow.js";

const LINE = /^\S+ (out|err|upkeep) \| /;

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
  const stopFollowing = followLog(logsDir, service, { timestamps: true, fromEnd: true }, (chunk) => {
    if (done) return;
    // The timestamped view delivers whole lines; a partial one would wait for its end here.
    const data = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    for (let newline = data.indexOf(10); newline !== -1; newline = data.indexOf(10, start)) {
      const line = data.subarray(start, newline).toString("utf8");
      start = newline + 1;
      const prefix = LINE.exec(line);
      if (prefix === null || prefix[1] === "upkeep") continue;
      const text = line.slice(prefix[0].length);
      if (matcher.test(text)) {
        onMatch(text);
        if (done) return;
      }
    }
    rest = Buffer.from(data.subarray(start));
  });
  function stop(): void {
    if (done) return;
    done = true;
    stopFollowing();
  }
  return stop;
}
