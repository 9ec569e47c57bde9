/**
 * `upkeep logs NAME -f`: new output as it is captured, across rotations, read from the log
 * files. It polls the live index (one fstat and a small read every POLL_INTERVAL_MS), so it
 * works in any process and costs nothing between lines. The index drives everything: a chunk
 * is shown once its index line is written, in capture order.
 */
import { fstatSync } from "node:fs";
import {
  closeGeneration,
  inodeAt,
  openGeneration,
  readAt,
  readIndexForward,
  readStream,
  type OpenGeneration,
} from "./generation.js";
import type { IndexEntry } from "./index-format.js";
import { assertLogName, generationFiles, LOG_STREAMS, type LogStream } from "./log-files.js";
import { LineAssembler, formatRecords, isVisible, type LogRecord, type RenderOptions } from "./render.js";

export interface FollowOptions {
  stream?: LogStream;
  timestamps: boolean;
  /** Only output captured from now on; else everything kept, then new output. */
  fromEnd: boolean;
  /** With fromEnd: start where an earlier read (readLogTailAt) ended instead of at the end. */
  from?: LogPosition | null;
  /**
   * Line watchers: an unfinished line is held to this many bytes, the rest of it dropped (see
   * LineAssembler); default: whole lines, however long (`upkeep logs -f`).
   */
  maxLineBytes?: number;
  /** Reading failed (should not happen); default: a process warning. Following goes on. */
  onError?: (error: Error) => void;
}

/** A place in a service's output: an index file (by inode) and a byte count of it. */
export interface LogPosition {
  inode: number;
  idxSize: number;
}

export const POLL_INTERVAL_MS = 100;
/** An unfinished line is shown after this long without new output (a prompt, a progress dot). */
const IDLE_FLUSH_MS = 1000;
/** Output per poll before yielding to the event loop (when catching up on a big history). */
const POLL_BUDGET_BYTES = 4 * 1024 * 1024;
const INDEX_READ_BYTES = 256 * 1024;
const HEADER_BYTES = 64;

/**
 * Calls `onData` with each new piece of output (formatted like readLogTail) until the returned
 * stop() is called. The start position is taken before followLog returns.
 */
export function followLog(
  logsDir: string,
  service: string,
  options: FollowOptions,
  onData: (chunk: Buffer) => void,
): () => void {
  assertLogName(service);
  const follower = new LogFollower(logsDir, service, options, onData);
  return () => follower.stop();
}

class LogFollower {
  private gen: OpenGeneration | null = null;
  private idxPos = 0;
  private header: Buffer | null = null;
  private expected: Record<LogStream, number | null> = { out: null, err: null };
  private lastTime = 0;
  private lastOutput = Date.now();
  private readonly render: RenderOptions;
  /** Null in the exact single-stream view: bytes go out as they come, unfinished lines too. */
  private readonly assembler: LineAssembler | null;
  private records: LogRecord[] = [];
  private pieces: Buffer[] = [];
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly logsDir: string,
    private readonly service: string,
    private readonly options: FollowOptions,
    private readonly onData: (chunk: Buffer) => void,
  ) {
    this.render = { timestamps: options.timestamps, stream: options.stream };
    const raw = !options.timestamps && options.stream !== undefined;
    this.assembler = raw
      ? null
      : new LineAssembler(
          (record) => this.records.push(record),
          false,
          options.timestamps,
          options.maxLineBytes ?? null,
        );
    if (options.fromEnd) this.startAtEnd();
    else this.startAtOldest();
    this.schedule(options.fromEnd ? POLL_INTERVAL_MS : 0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.gen) closeGeneration(this.gen);
    this.gen = null;
  }

  private startAtEnd(): void {
    const from = this.options.from ?? null;
    const number = from === null ? 0 : this.generationOfInode(from.inode);
    this.gen = openGeneration(this.logsDir, this.service, number ?? 0);
    const idx = this.gen?.fds.idx ?? null;
    if (!this.gen || idx === null) return;
    this.header = readHeaderLine(idx);
    // The earlier read's end while its index is still there (a rotation may have renamed it);
    // else the end now.
    const size =
      from !== null && number !== null ? Math.min(from.idxSize, this.gen.sizes.idx) : this.gen.sizes.idx;
    // Start after the last complete line: a line being written is new output.
    const tail = readAt(idx, Math.max(0, size - 4096), Math.min(size, 4096));
    this.idxPos = size - (tail.length - (tail.lastIndexOf(10) + 1));
  }

  /** Which generation's index has this inode now, or null when none has. */
  private generationOfInode(inode: number): number | null {
    for (let number = 0; ; number++) {
      const found = inodeAt(generationFiles(this.logsDir, this.service, number).idx);
      if (found === inode) return number;
      if (found === null && number > 0) return null;
    }
  }

  private startAtOldest(): void {
    let oldest = 0;
    for (let number = 1; ; number++) {
      const files = generationFiles(this.logsDir, this.service, number);
      if (inodeAt(files.idx) === null && inodeAt(files.out) === null && inodeAt(files.err) === null) break;
      oldest = number;
    }
    this.enter(oldest);
  }

  /** Starts reading generation `number` from its beginning. */
  private enter(number: number): void {
    if (this.gen) closeGeneration(this.gen);
    this.gen = openGeneration(this.logsDir, this.service, number);
    this.idxPos = 0;
    this.expected = { out: 0, err: 0 };
    this.header = this.gen?.fds.idx != null ? readHeaderLine(this.gen.fds.idx) : null;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      let behind = false;
      try {
        behind = this.poll();
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        if (this.options.onError) this.options.onError(error);
        else process.emitWarning(error);
      }
      this.deliver();
      this.schedule(behind ? 0 : POLL_INTERVAL_MS);
    }, delay);
  }

  /** Reads what is new; true when it stopped early (budget) and should run again at once. */
  private poll(): boolean {
    let budget = POLL_BUDGET_BYTES;
    for (;;) {
      if (!this.gen) {
        this.enter(0);
        if (!this.gen) return false;
      }
      const gen: OpenGeneration = this.gen;
      const idx = gen.fds.idx;
      // Checked before reading: once the path names another file, ours is complete.
      const live = gen.number === 0 && inodeAt(gen.paths.idx) === gen.inodes.idx && idx !== null;
      if (idx !== null) {
        this.noticeTruncation(idx);
        const size = fstatSync(idx).size;
        while (this.idxPos < size) {
          const { entries, ends, next } = readIndexForward(idx, this.idxPos, size, INDEX_READ_BYTES);
          if (next === this.idxPos) {
            if (size - this.idxPos < INDEX_READ_BYTES) break; // a line still being written
            this.idxPos += INDEX_READ_BYTES; // a damaged giant line: skip it
            continue;
          }
          for (let i = 0; i < entries.length; i++) {
            budget -= this.feed(gen, entries[i]!);
            this.idxPos = ends[i]!;
            if (budget <= 0) return true;
          }
          this.idxPos = next;
        }
      }
      if (live) break;
      if (gen.number === 0 && idx === null) {
        // Caught between a rotation's renames and the new files: open it again next time.
        closeGeneration(gen);
        this.gen = null;
        break;
      }
      this.finishGeneration(gen);
      this.enter(this.successorOf(gen));
    }
    if (this.assembler?.holding && Date.now() - this.lastOutput >= IDLE_FLUSH_MS) this.assembler.flush();
    return false;
  }

  /** keep 0 truncates the live generation in place: start it over (smaller, or a new header id). */
  private noticeTruncation(idx: number): void {
    const header = readHeaderLine(idx);
    if (this.header === null) this.header = header;
    const changed = header !== null && this.header !== null && !header.equals(this.header);
    if (fstatSync(idx).size >= this.idxPos && !changed) return;
    this.assembler?.flush();
    this.idxPos = 0;
    this.expected = { out: 0, err: 0 };
    this.header = header;
  }

  /** Passes one index entry on; returns the data bytes read. */
  private feed(gen: OpenGeneration, entry: IndexEntry): number {
    this.lastTime = entry.time;
    if (entry.kind !== "chunk") {
      this.emitMarker(entry);
      return 0;
    }
    const { stream } = entry;
    const end = entry.offset + entry.length;
    // Bytes an index line was lost for (expected < offset) go out with this entry.
    const start = this.expected[stream] ?? entry.offset;
    if (start >= end) return 0;
    this.expected[stream] = end;
    if (this.options.stream !== undefined && this.options.stream !== stream) return 0;
    const data = readStream(gen, stream, start, end);
    this.emitChunk(stream, entry.time, data);
    return data.length;
  }

  /** A generation that will not grow again: show bytes after its last index entry. */
  private finishGeneration(gen: OpenGeneration): void {
    for (const stream of LOG_STREAMS) {
      const from = this.expected[stream] ?? gen.sizes[stream];
      const fd = gen.fds[stream];
      if (fd === null || (this.options.stream !== undefined && this.options.stream !== stream)) continue;
      const size = fstatSync(fd).size;
      if (size > from)
        this.emitChunk(stream, this.lastTime || gen.fallbackTime, readStream(gen, stream, from, size));
    }
  }

  /** The generation written after `gen`: found by following its index file's renames. */
  private successorOf(gen: OpenGeneration): number {
    let oldest = 0;
    for (let number = 1; ; number++) {
      const ino = inodeAt(generationFiles(this.logsDir, this.service, number).idx);
      if (ino === null) return oldest; // ours was rotated away: the oldest left comes next
      if (ino === gen.inodes.idx) return number - 1;
      oldest = number;
    }
  }

  private emitChunk(stream: LogStream, time: number, data: Buffer): void {
    if (data.length === 0) return;
    this.lastOutput = Date.now();
    if (this.assembler) this.assembler.chunk(stream, time, data);
    else this.pieces.push(data);
  }

  private emitMarker(entry: Exclude<IndexEntry, { kind: "chunk" }>): void {
    if (this.assembler) this.assembler.marker(entry);
    else if (isVisible(entry, this.render)) this.pieces.push(formatRecords([entry], this.render, false));
  }

  private deliver(): void {
    if (this.records.length > 0) {
      this.pieces.push(formatRecords(this.records, this.render, false));
      this.records = [];
    }
    if (this.pieces.length === 0 || this.stopped) return;
    const out = Buffer.concat(this.pieces);
    this.pieces = [];
    if (out.length > 0) this.onData(out);
  }
}

/** The index's first line (with its random id), or null while it is not complete. */
function readHeaderLine(idx: number): Buffer | null {
  const start = readAt(idx, 0, HEADER_BYTES);
  const newline = start.indexOf(10);
  return newline === -1 ? null : start.subarray(0, newline + 1);
}
