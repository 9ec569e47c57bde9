import assert from "node:assert/strict";
import { lstatSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { native } from "../../src/core/native.js";
import { ensureFifo, ensureFifos } from "../../src/logs/make-fifos.js";

// The daemon made the log FIFOs of a new state dir by forking `mkfifo` programs, four at a
// time: each fork copied the daemon, and the programs fought over the logs dir's lock, which
// held a 200-service cold start for ≈200 ms (docs/benchmarks.md, 2026-12-07). With the native
// addon the FIFOs are made with mknod in the daemon. What must never happen again: start-up
// depends on running a program to make its FIFOs when the addon is there. Proven here with a
// PATH where no `mkfifo` can be found: the code before failed with "mkfifo failed".
const dir = mkdtempSync(join(tmpdir(), "upkeep-no-mkfifo-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test(
  "with the addon, 400 FIFOs are made with no mkfifo program on PATH",
  { skip: native === null ? "the native addon is not built (the mkfifo program is then the way)" : false },
  async () => {
    const saved = process.env["PATH"];
    process.env["PATH"] = join(dir, "empty");
    try {
      const paths = Array.from({ length: 400 }, (_, i) => join(dir, `s${i}.${i % 2 ? "err" : "out"}.fifo`));
      await ensureFifos(paths);
      ensureFifo(join(dir, "added-later.out.fifo"));
      for (const path of [...paths, join(dir, "added-later.out.fifo")])
        assert.ok(lstatSync(path).isFIFO(), `${path} is a FIFO`);
    } finally {
      process.env["PATH"] = saved;
    }
  },
);
