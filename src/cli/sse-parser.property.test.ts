import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { createSseParser, type SseFields } from "./sse-parser.js";

// The event stream arrives in chunks cut anywhere: whatever the bytes and however they are
// cut, the parser never throws and hands on the same events.
function parseAll(chunks: string[]): [string, SseFields][] {
  const seen: [string, SseFields][] = [];
  const feed = createSseParser((data, fields) => seen.push([data, fields]));
  for (const chunk of chunks) feed(chunk);
  return seen;
}

/** Cut `text` at the given points. */
function cut(text: string, points: number[]): string[] {
  const at = [...new Set(points.map((p) => p % (text.length + 1)))].sort((a, b) => a - b);
  const chunks: string[] = [];
  let from = 0;
  for (const p of at) {
    chunks.push(text.slice(from, p));
    from = p;
  }
  chunks.push(text.slice(from));
  return chunks;
}

const line = fc.oneof(
  fc.constantFrom(
    "data: x",
    "data:y",
    "data",
    "id: 7",
    "id",
    "event: dropped",
    "event:",
    ": ping",
    "retry: 1",
    "",
  ),
  fc.string({ maxLength: 20 }),
);
const streamText = fc
  .array(fc.tuple(line, fc.constantFrom("\n", "\r\n", "\r", "\n\n", "\r\n\r\n")), { maxLength: 30 })
  .map((parts) => parts.map(([l, end]) => l + end).join(""));

test("the parser never throws, and chunking does not change the events", () => {
  fc.assert(
    fc.property(fc.oneof(streamText, fc.string()), fc.array(fc.nat(), { maxLength: 8 }), (text, points) => {
      assert.deepEqual(parseAll(cut(text, points)), parseAll([text]));
    }),
    { numRuns: 3000 },
  );
});

test("events written by the daemon's rules are read back as written", () => {
  const dataLine = fc.string({ maxLength: 20 }).filter((s) => !/[\r\n]/.test(s));
  const event = fc.record({
    data: fc.array(dataLine, { minLength: 1, maxLength: 3 }),
    id: fc.option(fc.nat().map(String), { nil: null }),
    event: fc.constantFrom("message", "dropped"),
  });
  fc.assert(
    fc.property(fc.array(event, { maxLength: 5 }), fc.array(fc.nat(), { maxLength: 8 }), (events, points) => {
      const text = events
        .map(
          (e) =>
            `${e.event === "message" ? "" : `event: ${e.event}\n`}${e.id === null ? "" : `id: ${e.id}\n`}` +
            `${e.data.map((d) => `data: ${d}\n`).join("")}\n`,
        )
        .join("");
      const expected = events.map((e): [string, SseFields] => [
        e.data.join("\n"),
        { event: e.event, id: e.id },
      ]);
      assert.deepEqual(parseAll(cut(text, points)), expected);
    }),
    { numRuns: 2000 },
  );
});
