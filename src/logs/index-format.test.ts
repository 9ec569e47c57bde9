import assert from "node:assert/strict";
import { test } from "node:test";
import {
  formatChunkEntry,
  formatIndexHeader,
  formatLossEntry,
  formatMarkerEntry,
  parseIndexBlock,
  parseIndexLine,
} from "./index-format.js";

test("every entry kind survives a round trip through its index line", () => {
  const block = Buffer.from(
    formatIndexHeader() +
      formatChunkEntry(1_795_437_611_299, "out", 0, 65_536) +
      formatChunkEntry(1_795_437_611_300, "err", 12, 7) +
      formatMarkerEntry(1_795_437_611_301, "started PID 1234") +
      formatLossEntry(1_795_437_611_302, "err", "output lost: 5 bytes of stderr at x (ENOSPC, disk full)"),
  );
  const { entries, ends, consumed } = parseIndexBlock(block);
  assert.deepEqual(entries, [
    { kind: "chunk", time: 1_795_437_611_299, stream: "out", offset: 0, length: 65_536 },
    { kind: "chunk", time: 1_795_437_611_300, stream: "err", offset: 12, length: 7 },
    { kind: "marker", time: 1_795_437_611_301, text: "started PID 1234" },
    {
      kind: "loss",
      time: 1_795_437_611_302,
      stream: "err",
      text: "output lost: 5 bytes of stderr at x (ENOSPC, disk full)",
    },
  ]);
  assert.equal(consumed, block.length);
  assert.equal(ends[ends.length - 1], block.length);
});

test("marker text stays on one line and keeps its UTF-8; positions count bytes", () => {
  const line = formatMarkerEntry(5, "exited:\nstatus «1»");
  assert.equal(line, "5 m exited: status «1»\n");
  const block = Buffer.from(line + "6 o 0 1\n7 o 1");
  const { entries, consumed } = parseIndexBlock(block);
  assert.deepEqual(entries[0], { kind: "marker", time: 5, text: "exited: status «1»" });
  assert.equal(entries.length, 2, "the unfinished last line is left for the next read");
  assert.equal(consumed, Buffer.byteLength(line) + "6 o 0 1\n".length);
});

test("damaged lines are refused rather than misread", () => {
  for (const bad of ["", "#", "x o 0 1", "5 o -1 3", "5 o 1", "5 q 1 2", "5 l x text", "12 o 1 2 3"]) {
    assert.equal(parseIndexLine(bad), null, JSON.stringify(bad));
  }
});
