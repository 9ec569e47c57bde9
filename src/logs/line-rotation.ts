/**
 * Where a data file ends when its generation rotates: at a line end, so that every rotated
 * file can be read line by line by any tool (`tail`, `grep`, a log shipper), not only by
 * `upkeep logs`, which joins the generations again. Splitting at chunk boundaries instead cut a
 * line in two in 2 of 3 files of a 210 MB capture of 61-byte lines.
 *
 * The rule, for the chunk of one stream that would take its file past max_size (or that comes
 * while the index is full):
 *  - the chunk's last newline that still fits ends the file, and the rest starts the next one;
 *  - when none fits and the file already ends at a line end, the generation rotates first;
 *  - when the file ends in the middle of a line, that line is finished in it, up to and
 *    including its newline: the file passes max_size by at most the rest of that line;
 *  - a line longer than max_size is the one exception: it is cut after max_size bytes of it and
 *    the cut is marked in the index (it continues at the start of the next generation).
 */
import { readSync } from "node:fs";
import type { LogStream } from "./log-files.js";

/** What to do with the next piece of a chunk. */
export interface PiecePlan {
  /** Rotate the generation before writing. */
  rotateBefore: boolean;
  /** Bytes of the chunk to write into the live file (after the rotation, if any). */
  bytes: number;
  /** A line longer than max_size is cut after these bytes: mark it, then rotate. */
  cutAfter: boolean;
}

export interface PieceInput {
  /** Bytes in the stream's live data file. */
  size: number;
  /** Bytes after its last newline (0: it ends at a line end, or is empty). */
  openLine: number;
  maxSize: number;
  /** The index is full: rotate at this stream's next line end. */
  indexFull: boolean;
  /** The index is so far past its limit that a line is no longer waited for. */
  indexOverrun: boolean;
  data: Buffer;
}

const NEWLINE = 10;

/** The next piece of `data` to write; called again with the rest until nothing is left. */
export function planPiece(input: PieceInput): PiecePlan {
  const { size, openLine, maxSize, data } = input;
  if (!input.indexFull && size + data.length <= maxSize) return write(data.length);
  const room = input.indexFull ? 0 : Math.max(0, maxSize - size);
  if (room > 0) {
    const last = data.lastIndexOf(NEWLINE, room - 1);
    if (last >= 0) return write(last + 1);
  }
  if (openLine === 0 && (size > 0 || input.indexFull))
    return { rotateBefore: true, bytes: 0, cutAfter: false };
  // In the middle of a line (or at the start of an empty file): finish it, within max_size.
  const allowance = maxSize - openLine;
  const newline = data.indexOf(NEWLINE);
  if (newline >= 0 && newline < allowance) return write(newline + 1);
  if (newline < 0 && data.length <= allowance && !input.indexOverrun) return write(data.length);
  return { rotateBefore: false, bytes: Math.max(0, Math.min(allowance, data.length)), cutAfter: true };
}

function write(bytes: number): PiecePlan {
  return { rotateBefore: false, bytes, cutAfter: false };
}

const TAIL_BLOCK = Buffer.alloc(4096);

/**
 * Bytes after the last newline of the first `size` bytes of the file open at `fd` (readable),
 * read backwards; stops after `limit` bytes without one (returns more than `limit` then).
 */
export function measureOpenLine(fd: number, size: number, limit: number): number {
  let scanned = 0;
  while (scanned < size && scanned <= limit) {
    const length = Math.min(TAIL_BLOCK.length, size - scanned);
    const got = readSync(fd, TAIL_BLOCK, 0, length, size - scanned - length);
    const last = TAIL_BLOCK.subarray(0, got).lastIndexOf(NEWLINE);
    if (last >= 0) return scanned + (got - 1 - last);
    if (got < length) return 0; // shorter than thought (emptied meanwhile): nothing to finish
    scanned += length;
  }
  return scanned;
}

/** Bytes after the last newline of each live data file, kept as chunks are written. */
export class LineEnds {
  /** null: not known (the bytes were spliced, or the file was reopened): read when needed. */
  private readonly known: Record<LogStream, number | null> = { out: null, err: null };

  set(stream: LogStream, bytes: number): void {
    this.known[stream] = bytes;
  }

  forget(stream: LogStream): void {
    this.known[stream] = null;
  }

  /** After `written` bytes of `data` landed at the file's end (unknown after a partial write). */
  afterWrite(stream: LogStream, data: Buffer, written: number): void {
    const last = written === data.length ? data.lastIndexOf(NEWLINE) : -1;
    const before = this.known[stream];
    if (written < data.length) this.known[stream] = null;
    else if (last >= 0) this.known[stream] = data.length - 1 - last;
    else this.known[stream] = before === null ? null : before + data.length;
  }

  /** The stream's open line, read from the tail of the file at `fd` (`size` bytes) when not known. */
  openLine(stream: LogStream, fd: number | null, size: number, limit: number): number {
    const known = this.known[stream];
    if (known !== null) return known;
    const measured = fd === null || size === 0 ? 0 : measureOpenLine(fd, size, limit);
    this.known[stream] = measured;
    return measured;
  }
}
