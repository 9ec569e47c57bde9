import assert from "node:assert/strict";
import { appendFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { UpkeepError } from "../core/errors.js";
import { openTestLog } from "./service-fixtures.js";
import { ServiceLog } from "./service-log.js";
import { readLogTail } from "./tail.js";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

function setUp() {
  return openTestLog("tail", 1 << 20, 2, cleanups);
}

test("a line takes its place when its newline arrives, even if it began long before", () => {
  const { dir, say } = setUp();
  say("out", "a long line begins");
  for (let n = 1; n <= 40; n++) say("err", `err ${n}\n`);
  say("out", " and ends here\n");
  const shown = readLogTail(dir, "web", { lines: 3, timestamps: false }).toString();
  assert.equal(shown, "err 39\nerr 40\na long line begins and ends here\n");
});

test("a chunk that ends mid-line never splits a line of the other stream", () => {
  const { dir, say } = setUp();
  say("out", "first half, ");
  say("err", "an error\n");
  say("out", "second half\n");
  assert.equal(
    readLogTail(dir, "web", { lines: 10, timestamps: false }).toString(),
    "an error\nfirst half, second half\n",
  );
});

test("bytes without an index line (daemon killed between the two writes) are still shown", () => {
  const { dir, log, say } = setUp();
  say("out", "indexed\n");
  log.close(); // the daemon dies...
  appendFileSync(log.files.out, "not indexed\n"); // ...after its data write, before the index line
  assert.equal(
    readLogTail(dir, "web", { lines: 10, timestamps: false }).toString(),
    "indexed\nnot indexed\n",
  );
  // The next daemon appends after those bytes, and readers still show them in place.
  const next = ServiceLog.open({ logsDir: dir, service: "web", maxSizeBytes: 1 << 20, keep: 2 });
  cleanups.push(() => next.close());
  writeSync(next.childStdio().out, "later\n");
  next.drainNow();
  assert.equal(readLogTail(dir, "web", { lines: 2, timestamps: false }).toString(), "not indexed\nlater\n");
});

test("a damaged index line is skipped, not fatal", () => {
  const { dir, say } = setUp();
  say("out", "one\n");
  appendFileSync(join(dir, "web.idx"), "garbage that is not an entry\n");
  say("out", "two\n");
  assert.equal(readLogTail(dir, "web", { lines: 10, timestamps: false }).toString(), "one\ntwo\n");
});

test("-n 0 shows nothing, and a service never started has no logs to show", () => {
  const { dir, say } = setUp();
  say("out", "one\n");
  assert.equal(readLogTail(dir, "web", { lines: 0, timestamps: false }).length, 0);
  assert.throws(
    () => readLogTail(dir, "never-started", { lines: 10, timestamps: false }),
    (err: unknown) =>
      err instanceof UpkeepError &&
      err.code === "LOGS_NOT_FOUND" &&
      /upkeep start never-started/.test(err.hint ?? ""),
  );
  assert.throws(() => readLogTail(dir, "../etc", { lines: 1, timestamps: false }), /cannot name a log file/);
});
