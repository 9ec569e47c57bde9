import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { test } from "node:test";
import { ServiceLog } from "./service-log.js";
import { exited, killIfRunning, makeTempDir, spawnService } from "./service-fixtures.js";
import { readLogTail } from "./tail.js";

const LINE = 100;
const LINES_PER_BLOCK = 10_000;
const BLOCKS = 200; // 200 blocks of 1 MB: 200 MB

/** Fills `block` with lines start+1 … start+LINES_PER_BLOCK: 9 digits, a space, dots, newline. */
function fillBlock(block: Buffer, start: number, line: number, perBlock: number): void {
  for (let i = 0; i < perBlock; i++) {
    let value = start + i + 1;
    for (let digit = 8; digit >= 0; digit--) {
      block[i * line + digit] = 48 + (value % 10);
      value = Math.floor(value / 10);
    }
  }
}

function templateBlock(): Buffer {
  const block = Buffer.alloc(LINE * LINES_PER_BLOCK, 46);
  for (let i = 0; i < LINES_PER_BLOCK; i++) {
    block[i * LINE + 9] = 32;
    block[i * LINE + LINE - 1] = 10;
  }
  return block;
}

// The service: builds all its lines first, then writes them to stdout with blocking writes as
// fast as the pipe takes them, so that the time measured is the capture's, not the generator's.
const WRITER = `const fs = require("fs");
const fillBlock = ${String(fillBlock)};
const blocks = [];
for (let b = 0; b < ${BLOCKS}; b++) {
  const block = Buffer.alloc(${LINE * LINES_PER_BLOCK}, 46);
  for (let i = 0; i < ${LINES_PER_BLOCK}; i++) { block[i * ${LINE} + 9] = 32; block[i * ${LINE} + ${LINE - 1}] = 10; }
  fillBlock(block, b * ${LINES_PER_BLOCK}, ${LINE}, ${LINES_PER_BLOCK});
  blocks.push(block);
}
for (const block of blocks) for (let done = 0; done < block.length; ) done += fs.writeSync(1, block, done);`;

test("throughput: 200 MB of numbered lines arrive exactly once and in order (MB/s printed)", async (t) => {
  const { dir, cleanup } = makeTempDir("throughput");
  t.after(cleanup);
  const log = ServiceLog.open({ logsDir: dir, service: "fast", maxSizeBytes: 64 * 1024 * 1024, keep: 5 });
  t.after(() => log.close());

  // The writer alone, into /dev/null: the ceiling for what capture can show.
  const devNull = openSync("/dev/null", "w");
  const baselineStart = performance.now();
  spawnSync(process.execPath, ["-e", WRITER], { stdio: ["ignore", devNull, "inherit"] });
  const baselineSeconds = (performance.now() - baselineStart) / 1000;
  closeSync(devNull);

  const start = performance.now();
  const child = spawnService(log, [process.execPath, "-e", WRITER]);
  t.after(() => killIfRunning(child));
  assert.equal(await exited(log, child), 0);
  const end = Date.now();
  const seconds = (performance.now() - start) / 1000;
  // From the first chunk captured (its index line) to the end: the capture rate, without the
  // writer's start-up time.
  const firstChunk = /^(\d+) o 0 /m.exec(readFileSync(join(dir, "fast.idx.2"), "utf8"));
  assert.ok(firstChunk, "the oldest index has the first chunk");
  const captureSeconds = (end - Number(firstChunk[1])) / 1000;
  const megabytes = (BLOCKS * LINE * LINES_PER_BLOCK) / 1e6;
  const rate = (s: number): string => `${(megabytes / s).toFixed(0)} MB/s`;
  const report =
    `captured ${megabytes} MB: ${rate(captureSeconds)} from first chunk to last, ${rate(seconds)} ` +
    `including the writer's start-up and line generation (the writer alone into /dev/null: ${rate(baselineSeconds)})`;
  t.diagnostic(report);

  // Compare the kept generations, oldest first, with the expected byte stream.
  const expected = templateBlock();
  let blockIndex = 0;
  let position = expected.length; // forces the first fill
  let total = 0;
  const files = [5, 4, 3, 2, 1, 0]
    .map((n) => join(dir, `fast.out.log${n === 0 ? "" : `.${n}`}`))
    .filter((file) => existsSync(file));
  assert.equal(files.length, 3, "200 MB at 64 MiB per file: two rotations");
  for (const file of files) {
    const data = readFileSync(file);
    assert.ok(data.length <= 64 * 1024 * 1024, `${file} within max_size`);
    for (let offset = 0; offset < data.length;) {
      if (position === expected.length) {
        assert.ok(blockIndex < BLOCKS, "no more output than was written");
        fillBlock(expected, blockIndex++ * LINES_PER_BLOCK, LINE, LINES_PER_BLOCK);
        position = 0;
      }
      const length = Math.min(expected.length - position, data.length - offset);
      if (!data.subarray(offset, offset + length).equals(expected.subarray(position, position + length))) {
        assert.fail(
          `${file} differs from the written lines near byte ${total} (line ${Math.floor(total / LINE) + 1})`,
        );
      }
      offset += length;
      position += length;
      total += length;
    }
  }
  assert.equal(total, BLOCKS * LINE * LINES_PER_BLOCK, "every byte arrived exactly once");
  const lastLines = readLogTail(dir, "fast", { lines: 2, timestamps: false }).toString();
  assert.match(lastLines, /^001999999 \.+\n002000000 \.+\n$/);
});
