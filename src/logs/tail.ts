/**
 * `upkeep logs NAME -n N`: the last N lines of a service's output, read from the log files
 * (the daemon need not run). Reads backwards only as far as needed: it collects entries
 * until they hold N line ends, assembles lines, and reads further back only when a line it
 * must show began before what was read.
 */
import { UpkeepError } from "../core/errors.js";
import { generationUnchanged } from "./generation.js";
import { assertLogName, type LogStream } from "./log-files.js";
import { LineAssembler, formatRecords, isVisible, type LogRecord, type RenderOptions } from "./render.js";
import type { LogPosition } from "./follow.js";
import { BackwardWalk, RotatedWhileReading, type WindowEntry } from "./tail-window.js";

export interface TailOptions {
  /** How many lines; Infinity for all that is kept. */
  lines: number;
  stream?: LogStream;
  timestamps: boolean;
}

// The reading API in one module for its callers (CLI, API): tail, then follow.
export { followLog, type FollowOptions, type LogPosition } from "./follow.js";

const MAX_ATTEMPTS = 5;

/**
 * The last `lines` lines. Without timestamps: the exact bytes (both streams merged line by line
 * in capture order when no stream is given); with timestamps: docs/logs.md's line format.
 */
export function readLogTail(logsDir: string, service: string, options: TailOptions): Buffer {
  return readLogTailAt(logsDir, service, options).text;
}

/**
 * readLogTail, plus where the shown output ends in the index: `logs -f` hands it to followLog,
 * so that output captured between the two reads is shown exactly once.
 */
export function readLogTailAt(
  logsDir: string,
  service: string,
  options: TailOptions,
): { text: Buffer; position: LogPosition | null } {
  assertLogName(service);
  for (let attempt = 1; ; attempt++) {
    const walk = new BackwardWalk(
      logsDir,
      service,
      (stream) => options.stream === undefined || options.stream === stream,
    );
    try {
      const result = tailOnce(walk, options);
      // A rotation during the read could have mixed generations: read again.
      if (attempt < MAX_ATTEMPTS && !walk.opened.every(generationUnchanged)) continue;
      if (walk.opened.length === 0) {
        throw new UpkeepError("LOGS_NOT_FOUND", `service ${service} has no captured output yet`, {
          hint: `Start the service (upkeep start ${service}); its output is kept in ${logsDir}.`,
          details: { service, file: logsDir },
        });
      }
      const live = walk.opened.find((gen) => gen.number === 0);
      const inode = live?.inodes.idx ?? null;
      return { text: result, position: live && inode !== null ? { inode, idxSize: live.sizes.idx } : null };
    } catch (err) {
      if (!(err instanceof RotatedWhileReading) || attempt >= MAX_ATTEMPTS) throw err;
    } finally {
      walk.close();
    }
  }
}

function tailOnce(walk: BackwardWalk, options: TailOptions): Buffer {
  const render: RenderOptions = { timestamps: options.timestamps, stream: options.stream };
  if (options.lines <= 0) {
    walk.entries().next(); // opens generation 0, so that a missing log is still reported
    return Buffer.alloc(0);
  }
  return formatRecords(tailRecords(walk, options.lines, render), render, true);
}

/**
 * The last `lines` lines of both streams as records, lifecycle markers included (each counts
 * as a line), in capture order: an incident's output (src/supervisor/incident-output.ts). Null
 * when the service has no captured output yet.
 */
export function readLogTailRecords(logsDir: string, service: string, lines: number): LogRecord[] | null {
  assertLogName(service);
  const render: RenderOptions = { timestamps: true };
  for (let attempt = 1; ; attempt++) {
    const walk = new BackwardWalk(logsDir, service, () => true);
    try {
      const records = tailRecords(walk, lines, render);
      if (attempt < MAX_ATTEMPTS && !walk.opened.every(generationUnchanged)) continue;
      return walk.opened.length === 0 ? null : records;
    } catch (err) {
      if (!(err instanceof RotatedWhileReading) || attempt >= MAX_ATTEMPTS) throw err;
    } finally {
      walk.close();
    }
  }
}

function tailRecords(walk: BackwardWalk, lines: number, render: RenderOptions): LogRecord[] {
  const options = { lines };
  const entries = walk.entries();
  const collected: WindowEntry[] = []; // newest first
  let lineEnds = 0;
  let target = options.lines + 1;
  let exhausted = false;
  for (;;) {
    while (lineEnds < target) {
      const next = entries.next();
      if (next.done) {
        exhausted = true;
        break;
      }
      collected.push(next.value);
      lineEnds += countLineEnds(next.value, render);
    }
    const records = assemble(collected, !exhausted, render);
    const picked = pickLastLines(records, options.lines, render, exhausted);
    if (picked) return picked;
    target *= 2;
  }
}

function countLineEnds(entry: WindowEntry, render: RenderOptions): number {
  if (entry.kind !== "chunk") return isVisible(entry, render) ? 1 : 0;
  let count = 0;
  for (let i = entry.data.indexOf(10); i !== -1; i = entry.data.indexOf(10, i + 1)) count++;
  return count;
}

function assemble(
  collected: readonly WindowEntry[],
  markFragments: boolean,
  render: RenderOptions,
): LogRecord[] {
  const records: LogRecord[] = [];
  const assembler = new LineAssembler((record) => records.push(record), markFragments, render.timestamps);
  for (let i = collected.length - 1; i >= 0; i--) {
    const entry = collected[i]!;
    if (entry.kind === "chunk") assembler.chunk(entry.stream, entry.time, entry.data);
    else assembler.marker(entry);
  }
  assembler.flush();
  return records;
}

/**
 * The records holding the last `count` visible lines, the first one cut to size; null when
 * a line to show may have begun before what was read (read further back, unless exhausted).
 */
function pickLastLines(
  records: readonly LogRecord[],
  count: number,
  render: RenderOptions,
  exhausted: boolean,
): LogRecord[] | null {
  const picked: LogRecord[] = [];
  let need = count;
  for (let i = records.length - 1; i >= 0 && need > 0; i--) {
    const record = records[i]!;
    if (!isVisible(record, render)) continue;
    if (record.kind !== "lines") {
      picked.push(record);
      need--;
      continue;
    }
    const lines = countLines(record.bytes, record.complete);
    if (lines <= need) {
      if (record.fragment && !exhausted) return null;
      picked.push(record);
      need -= lines;
      continue;
    }
    const start = startOfLastLines(record.bytes, need, record.complete);
    picked.push({ ...record, bytes: record.bytes.subarray(start), fragment: false });
    need = 0;
  }
  if (need > 0 && !exhausted) return null;
  return picked.reverse();
}

function countLines(bytes: Buffer, complete: boolean): number {
  let count = complete ? 0 : 1;
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) count++;
  return count;
}

/** Where the last `lines` lines of `bytes` start (an unfinished last line counts as one). */
function startOfLastLines(bytes: Buffer, lines: number, complete: boolean): number {
  // The newline that ends the line just before the ones kept, counted from the end.
  let newlines = complete ? lines + 1 : lines;
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i] === 10 && --newlines === 0) return i + 1;
  }
  return 0;
}
