// A fast writer's FIFO gets a bigger pipe and held wake-ups (fifo.ts, "Pacing"), so its output
// is moved in large splices; once it is quiet the pipe goes back to the default size.
import assert from "node:assert/strict";
import { closeSync, constants, openSync, readFileSync, statSync } from "node:fs";
import { after, test } from "node:test";
import { waitFor } from "../../test/helpers/wait-for.js";
import { native } from "../core/native.js";
import { fifoPath, generationFiles } from "./log-files.js";
import { ServiceLog } from "./service-log.js";
import { exited, killIfRunning, makeTempDir, spawnService } from "./service-fixtures.js";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

const BURST_BYTES = 48 * 1024 * 1024;

// 48 MiB in 4 KiB writes, as fast as the pipe takes them (what `seq` does), then it waits
// for "exit" on stdin.
const WRITER = `const fs = require("fs");
const chunk = Buffer.alloc(4096, 46);
chunk[4095] = 10;
for (let i = 0; i < ${BURST_BYTES / 4096}; i++) for (let done = 0; done < 4096; ) done += fs.writeSync(1, chunk, done);
require("readline").createInterface({ input: process.stdin }).on("line", (l) => {
  if (l === "exit") process.exit(0);
});`;

test(
  "a fast writer is moved in large chunks through a 1 MiB pipe, which goes back to 64 KiB once it is quiet, also after a daemon restart",
  { skip: native === null ? "the native addon is not loaded (pacing needs its holdPoll)" : false },
  async () => {
    const addon = native!;
    const { dir, cleanup } = makeTempDir("pacing");
    const log = ServiceLog.open({ logsDir: dir, service: "fast", maxSizeBytes: 1024 * 1024 * 1024, keep: 1 });
    cleanups.push(() => log.close(), cleanup);
    const probe = openSync(fifoPath(dir, "fast", "out"), constants.O_RDONLY | constants.O_NONBLOCK);
    cleanups.unshift(() => closeSync(probe));
    assert.equal(addon.pipeSize(probe), 64 * 1024, "a new FIFO has the default size");

    const child = spawnService(log, [process.execPath, "-e", WRITER], "pipe");
    cleanups.unshift(() => killIfRunning(child));
    const done = exited(log, child);
    const files = generationFiles(dir, "fast", 0);
    // The largest size seen while the burst runs (a loaded machine may slow a window down).
    let largest = 0;
    await waitFor(
      () => {
        largest = Math.max(largest, addon.pipeSize(probe));
        return statSync(files.out, { throwIfNoEntry: false })?.size === BURST_BYTES;
      },
      { what: "the burst captured", timeout: 30_000, interval: 2 },
    );
    assert.equal(largest, 1024 * 1024, "the fast writer's pipe was grown");
    const chunks = readFileSync(files.idx, "utf8")
      .split("\n")
      .filter((line) => / o /.test(line)).length;
    const average = BURST_BYTES / chunks;
    assert.ok(average >= 24 * 1024, `moved in ${chunks} chunks, ${(average / 1024).toFixed(1)} KiB each`);

    // A writer gone quiet wakes nothing: the pipe is given back all the same.
    await waitFor(() => addon.pipeSize(probe) === 64 * 1024, { what: "the pipe back at 64 KiB" });
    child.stdin!.write("exit\n");
    assert.equal(await done, 0);

    // A pipe an earlier daemon grew (the service keeps its FIFO across daemons) is given back
    // by the next reader at once.
    log.close();
    assert.equal(addon.setPipeSize(probe, 1024 * 1024), 1024 * 1024);
    const next = ServiceLog.open({
      logsDir: dir,
      service: "fast",
      maxSizeBytes: 1024 * 1024 * 1024,
      keep: 1,
    });
    cleanups.unshift(() => next.close());
    assert.equal(addon.pipeSize(probe), 64 * 1024);
  },
);
