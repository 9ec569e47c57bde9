import assert from "node:assert/strict";
import { after, test } from "node:test";
import { waitFor } from "../../test/helpers/wait-for.js";
import { followLog } from "./follow.js";
import { readLogTailAt } from "./tail.js";
import { openTestLog } from "./service-fixtures.js";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

function setUp(maxSizeBytes: number, keep: number) {
  return openTestLog("follow", maxSizeBytes, keep, cleanups);
}

/** Follows the log, collecting what it shows; stopped at teardown. */
function collect(dir: string, options: Parameters<typeof followLog>[2]): { text: () => string } {
  const chunks: Buffer[] = [];
  const stop = followLog(dir, "web", options, (chunk) => chunks.push(chunk));
  cleanups.unshift(stop);
  return { text: () => Buffer.concat(chunks).toString() };
}

function line(n: number): string {
  return `line ${String(n).padStart(4, "0")} `.padEnd(99, ".") + "\n";
}

function range(from: number, to: number): string {
  let text = "";
  for (let n = from; n <= to; n++) text += line(n);
  return text;
}

test("following from the end shows only new output, across several rotations between two polls", async () => {
  const { dir, say } = setUp(1000, 5);
  for (let n = 1; n <= 5; n++) say("out", line(n));
  const followed = collect(dir, { timestamps: false, fromEnd: true });
  for (let n = 6; n <= 45; n++) say("out", line(n)); // four rotations before the next poll
  await waitFor(() => followed.text().includes(line(45)), { what: "line 45 followed" });
  assert.equal(followed.text(), range(6, 45));
});

test("following from the start shows everything kept, then new output", async () => {
  const { dir, say } = setUp(1000, 2);
  for (let n = 1; n <= 25; n++) say("out", line(n));
  const followed = collect(dir, { timestamps: false, fromEnd: false, stream: "out" });
  await waitFor(() => followed.text().includes(line(25)), { what: "history followed" });
  for (let n = 26; n <= 30; n++) say("out", line(n));
  await waitFor(() => followed.text().includes(line(30)), { what: "line 30 followed" });
  assert.equal(followed.text(), range(1, 30));
});

test("following with timestamps merges both streams and shows markers", async () => {
  const { dir, log, say } = setUp(1 << 20, 2);
  const followed = collect(dir, { timestamps: true, fromEnd: true });
  log.marker("started PID 42");
  say("out", "hello\n");
  say("err", "trouble\n");
  log.marker("exited with code 2");
  await waitFor(() => followed.text().includes("exited"), { what: "exit marker followed" });
  const lines = followed.text().split("\n");
  assert.match(lines[0]!, /^\S+Z upkeep \| started PID 42$/);
  assert.match(lines[1]!, /^\S+Z out \| hello$/);
  assert.match(lines[2]!, /^\S+Z err \| trouble$/);
  assert.match(lines[3]!, /^\S+Z upkeep \| exited with code 2$/);
});

test("the exact single-stream view shows an unfinished line at once", async () => {
  const { dir, say } = setUp(1 << 20, 2);
  const followed = collect(dir, { timestamps: false, fromEnd: true, stream: "err" });
  say("out", "not this stream\n");
  say("err", "password: ");
  await waitFor(() => followed.text() === "password: ", { what: "the prompt followed" });
});

test("with keep 0 a follower goes on after the log is truncated in place", async () => {
  const { dir, say } = setUp(1000, 0);
  const followed = collect(dir, { timestamps: false, fromEnd: true });
  for (let n = 1; n <= 10; n++) say("out", line(n));
  await waitFor(() => followed.text().includes(line(10)), { what: "line 10 followed" });
  for (let n = 11; n <= 13; n++) say("out", line(n)); // line 11 truncates the log first
  await waitFor(() => followed.text().includes(line(13)), { what: "line 13 followed" });
  assert.equal(followed.text(), range(1, 13));
});

test("tail then follow: output captured between the two reads is shown once (logs -n N -f)", async () => {
  const { dir, say } = setUp(1000, 5);
  for (let n = 1; n <= 5; n++) say("out", line(n));
  const tail = readLogTailAt(dir, "web", { lines: 2, timestamps: false });
  assert.equal(tail.text.toString(), range(4, 5));
  say("out", line(6)); // between the tail and the follower's start
  for (let n = 7; n <= 12; n++) say("out", line(n)); // and a rotation
  const followed = collect(dir, { timestamps: false, fromEnd: true, from: tail.position });
  for (let n = 13; n <= 14; n++) say("out", line(n));
  await waitFor(() => followed.text().includes(line(14)), { what: "line 14 followed" });
  assert.equal(followed.text(), range(6, 14));
});
