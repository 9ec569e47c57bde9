import assert from "node:assert/strict";
import { after, test } from "node:test";
import { waitFor } from "../../test/helpers/wait-for.js";
import { exited, openTestLog, spawnService } from "./service-fixtures.js";
import { quoteMatchedLine, WATCHED_LINE_BYTES, watchForLine, watchLines } from "./wait-for-line.js";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

/** Watches the test log for `pattern`, collecting every onMatch call; stopped at teardown. */
function watch(dir: string, pattern: RegExp): { matches: string[]; stop: () => void } {
  const matches: string[] = [];
  const stop = watchForLine(dir, "web", pattern, (line) => matches.push(line));
  cleanups.unshift(stop);
  return { matches, stop };
}

test("the first matching line written from now on, on either stream, is reported once", async () => {
  const { dir, say } = openTestLog("wait-line", 1 << 20, 2, cleanups);
  say("out", "listening on port 1 (before the watch)\n");
  const { matches } = watch(dir, /listening on port \d+/);
  say("out", "starting\n");
  say("err", "warning: listening on port 8080\n");
  say("out", "listening on port 9090\n");
  await waitFor(() => matches.length > 0, { what: "a match" });
  // The later line would be in the same poll; a second report would be there by now.
  const { matches: later } = watch(dir, /^marker after the match$/);
  say("out", "marker after the match\n");
  await waitFor(() => later.length > 0, { what: "the later marker line" });
  assert.deepEqual(matches, ["warning: listening on port 8080"]);
});

test("upkeep's lifecycle markers never count as the service's lines", async () => {
  const { dir, log, say } = openTestLog("wait-marker", 1 << 20, 2, cleanups);
  const { matches } = watch(dir, /ready|started|exited/);
  log.marker("started PID 42");
  log.marker("ready (said by upkeep)");
  say("out", "nothing to see\n");
  log.marker("exited with code 0");
  say("out", "server ready\n");
  await waitFor(() => matches.length > 0, { what: "the service's line" });
  assert.deepEqual(matches, ["server ready"]);
});

test("a line written in pieces is tried once it is complete", async () => {
  const { dir, say } = openTestLog("wait-pieces", 1 << 20, 2, cleanups);
  const { matches } = watch(dir, /^accepting connections on :80$/);
  say("out", "accepting ");
  say("err", "unrelated\n");
  say("out", "connections on :80\n");
  await waitFor(() => matches.length > 0, { what: "the assembled line" });
  assert.deepEqual(matches, ["accepting connections on :80"]);
});

test("a global or sticky regex is tried from the start of each line", async () => {
  const { dir, say } = openTestLog("wait-global", 1 << 20, 2, cleanups);
  const pattern = /ok/gy;
  pattern.lastIndex = 1; // test() of this very regex would look from the "k" on
  const { matches } = watch(dir, pattern);
  say("out", "ok\n");
  await waitFor(() => matches.length > 0, { what: "the line" });
  assert.deepEqual(matches, ["ok"]);
  assert.equal(pattern.lastIndex, 1, "the caller's regex is left as it was");
});

test("stop() before a match means onMatch is never called", async () => {
  const { dir, say } = openTestLog("wait-stop", 1 << 20, 2, cleanups);
  const stopped = watch(dir, /ready/);
  stopped.stop();
  const witness = watch(dir, /ready/);
  say("out", "ready\n");
  await waitFor(() => witness.matches.length > 0, { what: "the witness's match" });
  assert.deepEqual(stopped.matches, []);
});

test("a real service's ready line is seen through its FIFO", async () => {
  const { dir, log } = openTestLog("wait-service", 1 << 20, 2, cleanups);
  const { matches } = watch(dir, /^ready after \d+ steps$/);
  const script =
    "for (let i = 0; i < 3; i++) console.log('step ' + i); console.error('ready after 3 steps');";
  const child = spawnService(log, [process.execPath, "-e", script]);
  log.marker(`started PID ${child.pid}`);
  assert.equal(await exited(log, child), 0);
  await waitFor(() => matches.length > 0, { what: "the service's ready line" });
  assert.deepEqual(matches, ["ready after 3 steps"]);
});

test("watchLines reports every matching line (a heartbeat) until it is stopped", async () => {
  const { dir, say } = openTestLog("watch-lines", 1 << 20, 2, cleanups);
  const beats: string[] = [];
  const stop = watchLines(dir, "web", /^tick \d+$/, (line) => beats.push(line));
  cleanups.unshift(stop);
  say("out", "tick 1\n");
  say("out", "noise\n");
  say("err", "tick 2\n");
  await waitFor(() => beats.length === 2, { what: "two heartbeats" });
  stop();
  say("out", "tick 3\n");
  const { matches } = watch(dir, /^after$/);
  say("out", "after\n");
  await waitFor(() => matches.length > 0, { what: "a line after the stop" });
  assert.deepEqual(beats, ["tick 1", "tick 2"]);
});

test("a line longer than 64 KiB is matched on its first 64 KiB, the rest dropped", async () => {
  const { dir, say } = openTestLog("wait-long", 64 << 20, 2, cleanups);
  const matches: string[] = [];
  cleanups.unshift(watchLines(dir, "web", /^head x+$|tail|^after$/, (line) => matches.push(line)));
  say("out", "head ");
  for (let i = 0; i < 40; i++) say("out", "x".repeat(64 * 1024));
  say("out", " tail\nafter\n");
  await waitFor(() => matches.length >= 1, { what: "the long line's kept head to match" });
  assert.equal(matches[0]!.length, WATCHED_LINE_BYTES, "the kept head, not the whole line");
  assert.match(matches[0]!, /^head x+$/);
  const { matches: later } = watch(dir, /^later$/);
  say("out", "later\n");
  await waitFor(() => later.length > 0, { what: "a later line" });
  assert.deepEqual(matches.slice(1), ["after"], "the dropped tail never matches; the next line does");
});

test("quoteMatchedLine cuts a long line for a reason", () => {
  assert.equal(quoteMatchedLine("ready"), '"ready"');
  assert.equal(quoteMatchedLine("y".repeat(500)), `"${"y".repeat(200)}"…`);
});
