import assert from "node:assert/strict";
import { test } from "node:test";
import type { LogRecord } from "../logs/render.js";
import { MAX_INCIDENT_LINE_BYTES } from "../store/incident-record.js";
import { cutLine, recordsToLines } from "./incident-output.js";

const lines = (time: number, stream: "out" | "err", text: string): LogRecord => ({
  kind: "lines",
  stream,
  time,
  bytes: Buffer.from(text),
  complete: text.endsWith("\n"),
  fragment: false,
});
const marker = (time: number, text: string): LogRecord => ({ kind: "marker", time, text });

test("the run's output ends at the cutoff; the next run's start marker at the same millisecond is not its", () => {
  const records = [
    marker(100, "started PID 7"),
    lines(101, "out", "a\nb\n"),
    lines(102, "err", "boom\n"),
    marker(105, "exited with code 3"),
    marker(105, "started PID 8"),
    lines(106, "out", "a\n"),
  ];
  assert.deepEqual(
    recordsToLines(records, 105).map((l) => `${l.ts} ${l.stream} ${l.text}`),
    ["100 upkeep started PID 7", "101 out a", "101 out b", "102 err boom", "105 upkeep exited with code 3"],
  );
});

test("a long line is cut to the byte limit, never in the middle of a character", () => {
  const long = Buffer.from("é".repeat(MAX_INCIDENT_LINE_BYTES)); // 2 bytes each
  const cut = cutLine(long);
  assert.ok(cut.endsWith("…"));
  assert.ok(!cut.includes("\uFFFD"));
  assert.ok(Buffer.byteLength(cut.slice(0, -1)) <= MAX_INCIDENT_LINE_BYTES);
  const odd = Buffer.concat([Buffer.from("x"), long]); // the limit now falls inside an "é"
  assert.ok(!cutLine(odd).includes("\uFFFD"));
  assert.equal(cutLine(Buffer.from("short")), "short");
});
