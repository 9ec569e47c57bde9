import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { readFileSync, readdirSync, truncateSync, writeSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { waitFor } from "../../test/helpers/wait-for.js";
import { ServiceLog } from "./service-log.js";
import { readLogTail } from "./tail.js";
import { exited, killIfRunning, makeTempDir, runNode, spawnService } from "./service-fixtures.js";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

function openLog(service = "web", maxSizeBytes = 1024 * 1024, keep = 3): { log: ServiceLog; dir: string } {
  const { dir, cleanup } = makeTempDir("capture");
  const log = ServiceLog.open({ logsDir: dir, service, maxSizeBytes, keep });
  cleanups.push(() => log.close(), cleanup);
  return { log, dir };
}

// A service driven line by line over stdin ("out TEXT", "err TEXT"), so the test decides the
// capture order by waiting for each line to be captured before sending the next.
const DRIVEN = `const fs = require("fs");
require("readline").createInterface({ input: process.stdin }).on("line", (l) => {
  const [s, ...t] = l.split(" ");
  if (s === "exit") process.exit(Number(t[0] ?? 0));
  fs.writeSync(s === "out" ? 1 : 2, t.join(" ") + "\\n");
});`;

async function say(child: ChildProcess, log: ServiceLog, stream: "out" | "err", text: string): Promise<void> {
  child.stdin!.write(`${stream} ${text}\n`);
  await waitFor(() => readFileSync(log.files[stream], "utf8").includes(`${text}\n`), {
    what: `${text} captured on ${stream}`,
    interval: 2,
  });
}

test("output is kept byte for byte: binary bytes, no trailing newline", async () => {
  const { log, dir } = openLog();
  const code = await runNode(
    log,
    `process.stdout.write(Buffer.from([...Array(256).keys()])); process.stdout.write("tail without newline");
     process.stderr.write("only on stderr\\n");`,
  );
  assert.equal(code, 0);
  const expected = Buffer.concat([Buffer.from([...Array(256).keys()]), Buffer.from("tail without newline")]);
  assert.deepEqual(readFileSync(log.files.out), expected);
  assert.equal(readFileSync(log.files.err, "utf8"), "only on stderr\n");
  assert.deepEqual(readLogTail(dir, "web", { lines: Infinity, stream: "out", timestamps: false }), expected);
  // Byte 10 is a newline: the last line runs from byte 11 to the end.
  assert.deepEqual(
    readLogTail(dir, "web", { lines: 1, stream: "out", timestamps: false }),
    expected.subarray(11),
  );
});

test("stdout and stderr stay apart, and the merged view follows capture order line by line", async () => {
  const { log, dir } = openLog();
  const child = spawnService(log, [process.execPath, "-e", DRIVEN], "pipe");
  cleanups.push(() => killIfRunning(child));
  const done = exited(log, child);
  await say(child, log, "out", "one");
  await say(child, log, "err", "two");
  await say(child, log, "out", "three");
  await say(child, log, "err", "four");
  child.stdin!.write("exit 3\n");
  assert.equal(await done, 3);
  assert.equal(readFileSync(log.files.out, "utf8"), "one\nthree\n");
  assert.equal(readFileSync(log.files.err, "utf8"), "two\nfour\n");
  assert.equal(
    readLogTail(dir, "web", { lines: 10, timestamps: false }).toString(),
    "one\ntwo\nthree\nfour\n",
  );
  assert.equal(readLogTail(dir, "web", { lines: 3, timestamps: false }).toString(), "two\nthree\nfour\n");
  assert.equal(readLogTail(dir, "web", { lines: 1, stream: "err", timestamps: false }).toString(), "four\n");
});

test("with timestamps, each line shows capture time and stream, and markers sit between the runs", async () => {
  const { log, dir } = openLog();
  await runNode(log, `process.stdout.write("first run\\n"); process.stderr.write("warning\\n");`);
  await runNode(log, `process.stdout.write("second run, unfinished"); process.exit(1);`);
  const shown = readLogTail(dir, "web", { lines: 100, timestamps: true }).toString();
  const lines = shown.split("\n");
  const time = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`;
  assert.match(lines[0]!, new RegExp(`^${time} upkeep \\| started PID \\d+$`));
  assert.match(lines[1]! + lines[2]!, /out \| first run.*err \| warning|err \| warning.*out \| first run/);
  assert.match(lines[3]!, new RegExp(`^${time} upkeep \\| exited with code 0$`));
  assert.match(lines[4]!, /upkeep \| started PID \d+$/);
  // The unfinished line ends where its process did: before the exit marker.
  assert.match(lines[5]!, new RegExp(`^${time} out \\| second run, unfinished$`));
  assert.match(lines[6]!, /upkeep \| exited with code 1$/);
  assert.equal(lines.length, 8);
  assert.equal(lines[7], "");
  // -n counts markers as lines in this view.
  const lastTwo = readLogTail(dir, "web", { lines: 2, timestamps: true }).toString();
  assert.match(lastTwo, /^\S+ out \| second run, unfinished\n\S+ upkeep \| exited with code 1\n$/);
});

test("a final line without newline is shown as is with timestamps", async () => {
  const { log, dir } = openLog();
  log.marker("started PID 1");
  const child = spawnService(log, [process.execPath, "-e", `process.stdout.write("partial")`]);
  await new Promise((resolve) => child.once("exit", resolve));
  log.drainNow();
  const shown = readLogTail(dir, "web", { lines: 5, timestamps: true }).toString();
  assert.match(shown, /upkeep \| started PID 1\n\S+ out \| partial$/);
});

test("childStdio hands out O_RDWR descriptors and remove() deletes the FIFOs but keeps the logs (a stream's file comes with its first output)", async () => {
  const { log, dir } = openLog("gone");
  const fds = log.childStdio();
  assert.equal(log.childStdio(), fds, "a second call returns the same descriptors");
  log.releaseChildStdio();
  await runNode(log, `console.log("kept")`);
  log.remove();
  const names = readdirSync(dir).sort();
  assert.deepEqual(names, ["gone.idx", "gone.out.log"]);
  assert.equal(readFileSync(join(dir, "gone.out.log"), "utf8"), "kept\n");
});

test("a data file emptied from outside (`: > web.out.log`, copytruncate) gets new output at its start, no NUL gap", () => {
  const { log } = openLog();
  const fds = log.childStdio();
  writeSync(fds.out, "before the truncate\n");
  log.drainNow();
  truncateSync(log.files.out, 0);
  writeSync(fds.out, "after\n");
  log.drainNow();
  assert.equal(readFileSync(log.files.out, "utf8"), "after\n");
});
