import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { errnoOf } from "../core/errors.js";
import type { DroppedInfo } from "./output-loss.js";
import { ServiceLog } from "./service-log.js";
import { makeTempDir } from "./service-fixtures.js";
import { readLogTail } from "./tail.js";

/** Mounts a 128 KiB tmpfs (needs root); null with the reason when that is not possible. */
function mountTinyFs(dir: string): string | null {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=128k", "tmpfs", dir], { stdio: "pipe" });
    return null;
  } catch (err) {
    return `needs root to mount a tiny tmpfs that can fill up (${String(err)})`;
  }
}

/** Fills the file system holding `path` until writes fail with ENOSPC. */
function fill(path: string): void {
  const fd = openSync(path, "w");
  const block = Buffer.alloc(4096, 120);
  try {
    for (;;) writeSync(fd, block);
  } catch (err) {
    assert.equal(errnoOf(err), "ENOSPC");
  } finally {
    closeSync(fd);
  }
}

test("on a full disk lost bytes are counted, reported, and marked in the log once writing works again", (t) => {
  const { dir, cleanup } = makeTempDir("full");
  const mounted = join(dir, "fs");
  mkdirSync(mounted);
  const problem = mountTinyFs(mounted);
  if (problem) {
    cleanup();
    return t.skip(problem);
  }
  const logsDir = join(mounted, "logs");
  const dropped: DroppedInfo[] = [];
  const log = ServiceLog.open({
    logsDir,
    service: "web",
    maxSizeBytes: 1 << 20,
    keep: 1,
    onDropped: (d) => dropped.push(d),
  });
  // One hook, in order: the log's files must be closed before the file system can be unmounted.
  t.after(() => {
    try {
      log.close();
    } finally {
      execFileSync("umount", [mounted]);
      cleanup();
    }
  });
  // The test writes into the service's end of the FIFO itself, then drains: each write is one
  // chunk, captured before the next step.
  const service = log.childStdio();
  const say = (text: string): void => {
    writeSync(service.out, text);
    log.drainNow();
  };

  // tmpfs allocates whole pages: a write into the unfilled rest of a file's last page succeeds
  // on a full tmpfs. 4096 bytes fill the data file's first page, so the next write needs a new one.
  const before = `${"b".repeat(4095)}\n`;
  say(before);
  fill(join(mounted, "filler"));
  say("lost one\n");
  assert.deepEqual(dropped, [{ bytes: 9, stream: "out", error: "ENOSPC, disk full" }], "reported at once");
  say("lost two\n");
  assert.equal(dropped.length, 1, "further losses within a second wait for the next report");
  // A marker is written if the index has room: it reports the outage so far, then itself.
  log.marker("a marker during the outage");
  unlinkSync(join(mounted, "filler"));
  say("after\n");

  assert.equal(
    dropped.reduce((sum, d) => sum + d.bytes, 0),
    18,
    "the reports add up to the bytes lost",
  );
  assert.equal(
    readFileSync(log.files.out, "utf8"),
    `${before}after\n`,
    "the data file holds only what was written",
  );
  const timestamped = readLogTail(logsDir, "web", { lines: 10, timestamps: true }).toString().split("\n");
  assert.match(timestamped[0]!, /out \| b{4095}$/);
  assert.match(
    timestamped[1]!,
    // "at T" when the whole outage fell within one millisecond, else "between T1 and T2".
    /upkeep \| output lost: 18 bytes of stdout (at \S+Z|between \S+Z and \S+Z) \(ENOSPC, disk full\)$/,
  );
  assert.match(timestamped[2]!, /upkeep \| a marker during the outage$/);
  assert.match(timestamped[3]!, /out \| after$/);
  const exact = readLogTail(logsDir, "web", { lines: 10, timestamps: false }).toString();
  assert.match(
    exact,
    /^b{4095}\n\[upkeep\] output lost: 18 bytes of stdout .*\(ENOSPC, disk full\)\nafter\n$/,
  );
});
