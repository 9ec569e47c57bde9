import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { openTestLog } from "./service-fixtures.js";
import { readLogTail } from "./tail.js";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

/** A log plus a writer into its FIFOs: each say() is one captured chunk. */
function setUp(maxSizeBytes: number, keep: number) {
  return openTestLog("rotate", maxSizeBytes, keep, cleanups);
}

/** A 100-byte numbered line. */
function line(n: number, stream = "out"): string {
  return `${stream} line ${String(n).padStart(4, "0")} `.padEnd(99, ".") + "\n";
}

function range(from: number, to: number, stream = "out"): string {
  let text = "";
  for (let n = from; n <= to; n++) text += line(n, stream);
  return text;
}

test("rotation at max size keeps `keep` generations, and tail reads across them", () => {
  const { dir, log, say } = setUp(1000, 2);
  for (let n = 1; n <= 45; n++) say("out", line(n));
  const file = (suffix: string): string => join(dir, `web.out.log${suffix}`);
  assert.equal(readFileSync(file(""), "utf8"), range(41, 45));
  assert.equal(readFileSync(file(".1"), "utf8"), range(31, 40));
  assert.equal(readFileSync(file(".2"), "utf8"), range(21, 30));
  assert.equal(existsSync(file(".3")), false, "older generations are dropped");
  assert.ok(
    existsSync(join(dir, "web.idx.2")) && !existsSync(join(dir, "web.idx.3")),
    "the index rotates with the data",
  );
  for (const suffix of ["", ".1", ".2"]) assert.ok(statSync(file(suffix)).size <= 1000);
  assert.equal(readLogTail(dir, "web", { lines: 15, timestamps: false }).toString(), range(31, 45));
  assert.equal(readLogTail(dir, "web", { lines: Infinity, timestamps: false }).toString(), range(21, 45));
  const stamped = readLogTail(dir, "web", { lines: 12, timestamps: true }).toString().split("\n");
  assert.equal(stamped.length, 13);
  assert.match(stamped[0]!, /Z out \| out line 0034 \.+$/);
  assert.equal(log.files.out, file(""));
});

test("both streams rotate together and the merged tail keeps capture order across generations", () => {
  const { dir, say } = setUp(1000, 5);
  for (let n = 1; n <= 30; n++) say(n % 3 === 0 ? "err" : "out", line(n, n % 3 === 0 ? "err" : "out"));
  let expected = "";
  for (let n = 11; n <= 30; n++) expected += line(n, n % 3 === 0 ? "err" : "out");
  assert.equal(readLogTail(dir, "web", { lines: 20, timestamps: false }).toString(), expected);
  const errOnly = readLogTail(dir, "web", { lines: 4, stream: "err", timestamps: false }).toString();
  assert.equal(
    errOnly,
    [18, 21, 24, 27, 30]
      .slice(1)
      .map((n) => line(n, "err"))
      .join(""),
  );
});

test("keep 0 truncates in place: no rotated files, the newest output stays readable", () => {
  const { dir, say } = setUp(1000, 0);
  for (let n = 1; n <= 25; n++) say("out", line(n));
  assert.equal(existsSync(join(dir, "web.out.log.1")), false);
  assert.equal(readFileSync(join(dir, "web.out.log"), "utf8"), range(21, 25));
  assert.equal(readLogTail(dir, "web", { lines: Infinity, timestamps: false }).toString(), range(21, 25));
  const index = readFileSync(join(dir, "web.idx"), "utf8").split("\n");
  assert.match(index[0]!, /^# upkeep log index v1 [0-9a-f]+$/);
  assert.equal(index.length, 7, "header, five chunk lines, and the empty end");
});

test("lowering keep with updateLimits deletes the generations above it at once", () => {
  const { dir, log, say } = setUp(1000, 4);
  for (let n = 1; n <= 45; n++) say("out", line(n));
  assert.ok(existsSync(join(dir, "web.out.log.4")));
  log.updateLimits(1000, 1);
  assert.ok(existsSync(join(dir, "web.out.log.1")));
  for (const name of ["web.out.log.2", "web.err.log.3", "web.idx.4"])
    assert.equal(existsSync(join(dir, name)), false, name);
  say("out", line(46));
  assert.equal(readLogTail(dir, "web", { lines: Infinity, timestamps: false }).toString(), range(31, 46));
});

test("files end at line ends: a chunk that crosses max_size is split after its last whole line", () => {
  const { dir, say } = setUp(1000, 5);
  // 7 lines, then one chunk of 7 more: the first three fill the file, the rest start the next.
  say("out", range(1, 7));
  say("out", range(8, 14));
  assert.equal(readFileSync(join(dir, "web.out.log.1"), "utf8"), range(1, 10));
  assert.equal(readFileSync(join(dir, "web.out.log"), "utf8"), range(11, 14));
});

test("a line longer than max_size is the one cut: after max_size bytes of it, marked in the index", () => {
  const { dir, say } = setUp(1000, 5);
  const long = "a".repeat(2500) + "\n";
  say("out", long);
  say("out", line(1));
  assert.equal(readFileSync(join(dir, "web.out.log.2"), "utf8"), "a".repeat(1000));
  assert.equal(readFileSync(join(dir, "web.out.log.1"), "utf8"), "a".repeat(1000));
  assert.equal(readFileSync(join(dir, "web.out.log"), "utf8"), "a".repeat(500) + "\n" + line(1));
  for (const suffix of [".2", ".1"]) {
    const index = readFileSync(join(dir, `web.idx${suffix}`), "utf8")
      .trimEnd()
      .split("\n");
    assert.match(
      index.at(-1)!,
      /^\d+ m a line of stdout longer than max_size \(1000 bytes\) was cut here by rotation; it goes on in the next generation$/,
    );
  }
  // upkeep logs joins the pieces again.
  assert.equal(readLogTail(dir, "web", { lines: Infinity, timestamps: false }).toString(), long + line(1));
});

test("an unfinished line of the other stream at a rotation is cut there, and marked", () => {
  const { dir, say } = setUp(1000, 5);
  say("err", "password: ");
  for (let n = 1; n <= 11; n++) say("out", line(n));
  assert.equal(readFileSync(join(dir, "web.err.log.1"), "utf8"), "password: ");
  assert.equal(readFileSync(join(dir, "web.out.log.1"), "utf8"), range(1, 10));
  const index = readFileSync(join(dir, "web.idx.1"), "utf8");
  assert.match(
    index,
    /\n\d+ m an unfinished line of stderr was cut here by rotation; it goes on in the next generation\n$/,
  );
  say("err", "ok\n");
  assert.equal(
    readLogTail(dir, "web", { lines: Infinity, stream: "err", timestamps: false }).toString(),
    "password: ok\n",
  );
});

test("a full index rotates at the next line end of the stream written, not in the middle of a line", () => {
  const { dir, say } = setUp(1000, 5);
  for (let n = 0; n < 60; n++) say("out", "x"); // ~22 bytes of index per byte of output
  say("out", "\n");
  say("out", "y\n");
  assert.equal(readFileSync(join(dir, "web.out.log.1"), "utf8"), "x".repeat(60) + "\n");
  assert.equal(readFileSync(join(dir, "web.out.log"), "utf8"), "y\n");
  assert.ok(statSync(join(dir, "web.idx.1")).size < 2000, "the index waited for one line only");
});
