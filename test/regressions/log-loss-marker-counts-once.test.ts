import assert from "node:assert/strict";
import { mkdirSync, readFileSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { formatLossEntry, parseIndexLine } from "../../src/logs/index-format.js";
import { generationFiles } from "../../src/logs/log-files.js";
import type { DroppedInfo } from "../../src/logs/output-loss.js";
import { ServiceLog } from "../../src/logs/service-log.js";
import { makeTempDir } from "../../src/logs/service-fixtures.js";
import { Filler, mountTinyFs, PAGE, unmountTinyFs } from "../helpers/tiny-fs.js";

// On a disk filling up, an index write that closed an outage wrote the "output lost" line and
// then failed on the chunk line after it. The outage stayed open, and the next successful
// write wrote its loss line again, with the count so far: the log marked 32.8 MB lost where
// 31.8 MB were (the events were right). What must never happen again: a window of lost output
// is marked in the index once, with the bytes that were lost.
test("a loss marker whose index write only partly succeeded is not written a second time", (t) => {
  const { dir, cleanup } = makeTempDir("loss-once");
  const mounted = join(dir, "fs");
  mkdirSync(mounted);
  const problem = mountTinyFs(mounted, "128k");
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
  t.after(() => {
    try {
      log.close();
    } finally {
      unmountTinyFs(mounted);
      cleanup();
    }
  });
  const service = log.childStdio();
  const say = (text: string): void => {
    writeSync(service.out, text);
    log.drainNow();
  };
  const index = generationFiles(logsDir, "web", 0).idx;

  say(`${"b".repeat(PAGE - 1)}\n`); // the data file's first page, full: the next byte needs a new one
  // Leave room in the index's last page for the loss line that will close the outage, but
  // not for the chunk line written with it.
  const lossLine = formatLossEntry(
    Date.now(),
    "out",
    `output lost: 9 bytes of stdout at ${new Date().toISOString()} (ENOSPC, disk full)`,
  );
  const room = lossLine.length + 8;
  const markerOverhead = `${Date.now()} m \n`.length;
  let pad = (((PAGE - room - statSync(index).size) % PAGE) + PAGE) % PAGE;
  if (pad <= markerOverhead) pad += PAGE;
  log.marker("p".repeat(pad - markerOverhead));
  assert.equal(PAGE - (statSync(index).size % PAGE), room, "the index's last page has the room planned");

  const filler = new Filler(mounted);
  say("lost one\n"); // 9 bytes: the data file needs a page the disk does not have
  filler.free(1);
  say("x\n"); // takes the freed page; the index write that follows fits only in part
  filler.remove();
  say("after\n");

  assert.equal(
    dropped.reduce((sum, d) => sum + d.bytes, 0),
    9,
    "the events report the 9 bytes lost",
  );
  const losses = readFileSync(index, "utf8")
    .split("\n")
    .map(parseIndexLine)
    .filter((e) => e?.kind === "loss");
  assert.equal(losses.length, 1, `one loss marker, found: ${JSON.stringify(losses)}`);
  assert.match(
    losses[0]!.kind === "loss" ? losses[0]!.text : "",
    /^output lost: 9 bytes of stdout at \S+Z \(ENOSPC, disk full\)$/,
  );
});
