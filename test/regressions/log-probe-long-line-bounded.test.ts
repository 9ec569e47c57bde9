import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";

// A service with a `log` readiness probe printed a 100 MB line without a newline: the daemon
// held the whole unfinished line (and copies of it) and peaked at 500 MB; a 600 MB line
// crashed it with ERR_STRING_TOO_LONG. What must never happen again: one long line grows the
// daemon with its length. A watched line is held to its first 64 KiB; the next line matches.
const env = new TestEnv();
after(() => env.teardown());

/** VmHWM (peak resident set) of a process, in bytes. */
function peakRss(pid: number): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  assert.ok(match, `VmHWM in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** A bound well above the daemon's own size and far below one copy of the 200 MB line. */
const BOUND_BYTES = 180 * 1024 * 1024;

test("a 200 MB line without a newline, then a ready line: the daemon stays small and the ready line matches", async () => {
  env.writeConfig(`
services:
  chatty:
    command: [sh, -c, "head -c 200000000 /dev/zero | tr '\\\\0' x; echo; echo ready; exec sleep 60", "{marker}"]
    ready: { log: "^ready$", timeout: 90s }
    logs: { max_size: 50MB, keep: 1 }
`);
  const daemon = await env.startDaemon();
  const status = await env.waitForService("chatty", "running", "chatty ready by its line");
  assert.match(String(status.reason), /ready/);
  const peak = peakRss(daemon.pid!);
  assert.ok(
    peak < BOUND_BYTES,
    `the daemon's peak RSS stays under ${BOUND_BYTES >> 20} MB (was ${Math.round(peak / 2 ** 20)} MB)`,
  );
});
