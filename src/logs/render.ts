/**
 * Turns captured chunks and markers, in capture order, into what `upkeep logs` shows.
 *
 * Both streams are merged line by line: a line takes its place (and its timestamp) when its
 * newline is captured, so a 64 KiB chunk that ends mid-line never splits a line of the other
 * stream. Each stream's bytes still come out exactly as written, in order; only the interleaving of
 * whole lines between the two streams is chosen. With timestamps, a lifecycle marker also ends
 * an unfinished line, so that it shows where the process that wrote it ended; the exact view
 * never cuts, so its lines are the data files' lines. Formats: docs/logs.md.
 */
import type { LogStream } from "./log-files.js";

/** One or more whole lines of one stream (or an unfinished line), captured at `time`. */
export interface LinesRecord {
  kind: "lines";
  stream: LogStream;
  time: number;
  bytes: Buffer;
  /** Ends with a newline; false for a line cut by a marker or not finished yet. */
  complete: boolean;
  /** Its first line may lack a beginning that lies before the part that was read (tail.ts). */
  fragment: boolean;
}

export interface MarkerRecord {
  kind: "marker" | "loss";
  time: number;
  text: string;
  /** For loss markers: the stream that lost output. */
  stream?: LogStream;
}

export type LogRecord = LinesRecord | MarkerRecord;

interface Pending {
  parts: Buffer[];
  /** Bytes held in parts. */
  size: number;
  time: number;
  fragment: boolean;
}

/** Assembles lines from chunks; emits records in merged order. */
export class LineAssembler {
  private readonly pending: Record<LogStream, Pending | null> = { out: null, err: null };
  private readonly seen: Record<LogStream, boolean>;

  /**
   * `markFragments`: the input starts mid-log, so each stream's first line may lack its start.
   * `cutAtMarkers`: markers end unfinished lines (the timestamped view).
   * `maxLine`: an unfinished line is held to this many bytes and the rest of it, up to its
   * newline, is dropped (line watchers: a 200 MB line must not be held whole); null: no limit.
   */
  constructor(
    private readonly emit: (record: LogRecord) => void,
    markFragments: boolean,
    private readonly cutAtMarkers: boolean,
    private readonly maxLine: number | null = null,
  ) {
    this.seen = { out: !markFragments, err: !markFragments };
  }

  /** A chunk of `stream` captured at `time`; `data` must not be reused by the caller. */
  chunk(stream: LogStream, time: number, data: Buffer): void {
    if (data.length === 0) return;
    const lastNewline = data.lastIndexOf(10);
    if (lastNewline === -1) {
      this.hold(stream, time, data);
      return;
    }
    let head = data.subarray(0, lastNewline + 1);
    const pending = this.pending[stream];
    if (pending !== null && this.maxLine !== null) {
      // The first line of head ends the held one: only what fits under the cap is kept.
      const firstNewline = head.indexOf(10);
      const room = Math.max(0, this.maxLine - pending.size);
      if (firstNewline > room) head = Buffer.concat([head.subarray(0, room), head.subarray(firstNewline)]);
    }
    const bytes = pending ? Buffer.concat([...pending.parts, head]) : head;
    this.pending[stream] = null;
    this.emit({ kind: "lines", stream, time, bytes, complete: true, fragment: !this.seen[stream] });
    this.seen[stream] = true;
    if (lastNewline + 1 < data.length) this.hold(stream, time, data.subarray(lastNewline + 1));
  }

  /** A lifecycle or loss marker; with cutAtMarkers, unfinished lines end before it. */
  marker(record: MarkerRecord): void {
    if (this.cutAtMarkers) {
      this.flush();
      this.seen.out = this.seen.err = true;
    }
    this.emit(record);
  }

  /** Emits unfinished lines as they are (end of what was read, or idle while following). */
  flush(): void {
    const streams: LogStream[] = ["out", "err"];
    const held = streams.filter((stream) => this.pending[stream] !== null);
    held.sort((a, b) => this.pending[a]!.time - this.pending[b]!.time);
    for (const stream of held) {
      const pending = this.pending[stream]!;
      this.pending[stream] = null;
      const bytes = pending.parts.length === 1 ? pending.parts[0]! : Buffer.concat(pending.parts);
      this.emit({
        kind: "lines",
        stream,
        time: pending.time,
        bytes,
        complete: false,
        fragment: pending.fragment,
      });
      this.seen[stream] = true;
    }
  }

  /** True when a stream holds an unfinished line. */
  get holding(): boolean {
    return this.pending.out !== null || this.pending.err !== null;
  }

  private hold(stream: LogStream, time: number, data: Buffer): void {
    const pending = this.pending[stream];
    const room = this.maxLine === null ? data.length : this.maxLine - (pending?.size ?? 0);
    // A cut piece is copied: a view would keep its whole chunk alive.
    const kept = room >= data.length ? data : Buffer.from(data.subarray(0, Math.max(0, room)));
    if (pending) {
      if (kept.length > 0) pending.parts.push(kept);
      pending.size += kept.length;
      pending.time = time;
    } else {
      this.pending[stream] = { parts: [kept], size: kept.length, time, fragment: !this.seen[stream] };
    }
  }
}

/** How records are shown: exact bytes, or one prefixed line per output line. */
export interface RenderOptions {
  timestamps: boolean;
  /** Only this stream's lines (and loss markers); markers of upkeep are kept with timestamps. */
  stream?: LogStream;
}

/** Formats records; `final`: the last record ends the output, so an unfinished line stays as is. */
export function formatRecords(records: readonly LogRecord[], options: RenderOptions, final: boolean): Buffer {
  const parts: Buffer[] = [];
  records.forEach((record, i) => {
    const last = final && i === records.length - 1;
    if (record.kind === "lines") {
      parts.push(options.timestamps ? prefixLines(record, last) : record.bytes);
    } else if (options.timestamps) {
      parts.push(Buffer.from(`${iso(record.time)} upkeep | ${record.text}\n`));
    } else if (record.kind === "loss") {
      // The exact-bytes view shows lost output too (SPEC §6), on a line of its own.
      const previous = parts[parts.length - 1];
      const needsBreak =
        previous !== undefined && previous.length > 0 && previous[previous.length - 1] !== 10;
      parts.push(Buffer.from(`${needsBreak ? "\n" : ""}[upkeep] ${record.text}\n`));
    }
  });
  return Buffer.concat(parts);
}

/** True when the record is shown in the view (and so counts as lines for -n). */
export function isVisible(record: LogRecord, options: RenderOptions): boolean {
  if (record.kind === "lines") return options.stream === undefined || record.stream === options.stream;
  if (record.kind === "loss") return options.stream === undefined || record.stream === options.stream;
  return options.timestamps;
}

function prefixLines(record: LinesRecord, last: boolean): Buffer {
  const prefix = Buffer.from(`${iso(record.time)} ${record.stream} | `);
  const parts: Buffer[] = [];
  let start = 0;
  const { bytes } = record;
  while (start < bytes.length) {
    const newline = bytes.indexOf(10, start);
    const end = newline === -1 ? bytes.length : newline + 1;
    parts.push(prefix, bytes.subarray(start, end));
    start = end;
  }
  // A line cut by a marker gets its own line end here; only the very last line shows as is.
  if (!record.complete && !last) parts.push(Buffer.from("\n"));
  return Buffer.concat(parts);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
