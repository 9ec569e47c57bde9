/**
 * The index file (`NAME.idx`): one short text line per chunk read from a FIFO, per lifecycle
 * marker and per loss marker, in capture order. It lets readers merge both streams in capture
 * order and show when each line was captured, without touching the exact bytes of the data
 * files. Format (docs/logs.md):
 *
 *   # upkeep log index v1 <generation id>       header, first line of every generation
 *   <ms> o <offset> <length>                    stdout bytes [offset, offset+length) of NAME.out.log
 *   <ms> e <offset> <length>                    the same for stderr and NAME.err.log
 *   <ms> m <text>                               lifecycle marker ("started PID 123")
 *   <ms> l <o|e> <text>                         output lost ("output lost: N bytes ...")
 *
 * <ms> is the capture time in milliseconds since the epoch.
 */
import { randomUUID } from "node:crypto";
import type { LogStream } from "./log-files.js";

export const INDEX_HEADER_PREFIX = "# upkeep log index v1 ";

export type IndexEntry =
  | { kind: "chunk"; time: number; stream: LogStream; offset: number; length: number }
  | { kind: "marker"; time: number; text: string }
  | { kind: "loss"; time: number; stream: LogStream; text: string };

/**
 * A fresh header: the random id lets followers notice a generation truncated in place (keep 0).
 * 12 hex digits of a random UUID, which Node draws from a batch of random bytes it keeps: a
 * randomBytes call per header cost a cold start of 200 services 4 ms.
 */
export function formatIndexHeader(): string {
  return `${INDEX_HEADER_PREFIX}${randomUUID().slice(-12)}\n`;
}

/** The index line for a chunk of `length` bytes appended at `offset` of the stream's data file. */
export function formatChunkEntry(time: number, stream: LogStream, offset: number, length: number): string {
  return `${time} ${stream === "out" ? "o" : "e"} ${offset} ${length}\n`;
}

/** The index line for a lifecycle marker; line breaks in the text become spaces. */
export function formatMarkerEntry(time: number, text: string): string {
  return `${time} m ${oneLine(text)}\n`;
}

/** The index line saying that output of `stream` was lost. */
export function formatLossEntry(time: number, stream: LogStream, text: string): string {
  return `${time} l ${stream === "out" ? "o" : "e"} ${oneLine(text)}\n`;
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, " ");
}

/** Parses one index line (without its newline); null for the header, comments and damaged lines. */
export function parseIndexLine(line: string): IndexEntry | null {
  const first = line.indexOf(" ");
  if (first <= 0 || line.length < first + 2) return null;
  const time = Number(line.slice(0, first));
  if (!Number.isSafeInteger(time)) return null;
  const kind = line.charAt(first + 1);
  const rest = line.slice(first + 3);
  switch (kind) {
    case "o":
    case "e": {
      const space = rest.indexOf(" ");
      const offset = Number(rest.slice(0, space));
      const length = Number(rest.slice(space + 1));
      if (space <= 0 || !Number.isSafeInteger(offset) || !Number.isSafeInteger(length)) return null;
      if (offset < 0 || length < 0) return null;
      return { kind: "chunk", time, stream: kind === "o" ? "out" : "err", offset, length };
    }
    case "m":
      return { kind: "marker", time, text: rest };
    case "l": {
      const stream = rest[0] === "o" ? "out" : rest[0] === "e" ? "err" : null;
      return stream === null ? null : { kind: "loss", time, stream, text: rest.slice(2) };
    }
    default:
      return null;
  }
}

/**
 * Splits a block of index bytes into parsed entries; `ends[i]` is the byte just after entry
 * i's line, and `consumed` excludes a trailing partial line.
 */
export function parseIndexBlock(block: Buffer): { entries: IndexEntry[]; ends: number[]; consumed: number } {
  const entries: IndexEntry[] = [];
  const ends: number[] = [];
  let start = 0;
  for (let nl = block.indexOf(10); nl !== -1; nl = block.indexOf(10, start)) {
    const entry = parseIndexLine(block.toString("utf8", start, nl));
    start = nl + 1;
    if (!entry) continue;
    entries.push(entry);
    ends.push(start);
  }
  return { entries, ends, consumed: start };
}
