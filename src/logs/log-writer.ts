/**
 * Appends captured output to a service's live generation: the exact bytes to the stream's data
 * file, then one index line saying when and where they landed. Synchronous writes: ordered,
 * cheap (two or three syscalls per chunk of up to 64 KiB), and done before the next chunk is
 * taken, so the index is never behind by more than the chunk in hand. Data files are written
 * at the writer's own offset (the daemon is their only writer): splice(2) refuses O_APPEND
 * files. Rotates the whole generation when a data file (or the index) would pass the limit, at
 * a line end of the stream written (line-rotation.ts); a chunk that crosses the limit is read,
 * not spliced, so that the daemon sees where its lines end.
 */
import { closeSync, constants, fstatSync, ftruncateSync, readSync, writeSync, type Stats } from "node:fs";
import { formatChunkEntry, formatIndexHeader, formatMarkerEntry } from "./index-format.js";
import { generationFiles, LOG_STREAMS, type GenerationFiles, type LogStream } from "./log-files.js";
import { isErrno } from "../core/errors.js";
import { native, nativeError } from "../core/native.js";
import { openOwnFile } from "../core/open-own-file.js";
import type { OutputLoss } from "./output-loss.js";
import { READ_CHUNK_BYTES, type PipeEnd } from "./fifo.js";
import { pruneGenerations, shiftGenerations } from "./rotate.js";
import { LineEnds, planPiece } from "./line-rotation.js";

type FileKind = keyof GenerationFiles;
type OpenFiles = { idx: number } & Record<LogStream, number | null>;
export const LOG_FILE_MODE = 0o640;
/** Room kept for one index line when deciding whether the index is full. */
const INDEX_LINE_RESERVE = 64;

export interface LogLimits {
  maxSizeBytes: number;
  keep: number;
}

/** The writing side of one service's log files. */
export class LogWriter {
  /** The live generation's files; a data file is created with its stream's first output. */
  private fds: OpenFiles | null = null;
  private readonly sizes: Record<FileKind, number> = { idx: 0, out: 0, err: 0 };
  /** A partial index line was written (disk full): the next line must start on a new line. */
  private indexLineOpen = false;
  private lastError: unknown = null;
  /** splice(2) failed as unsupported here: chunks are read and written instead. */
  private spliceRefused = false;
  /** Where the last line of each live data file stands (line-rotation.ts). */
  private readonly lineEnds = new LineEnds();

  constructor(
    private readonly logsDir: string,
    private readonly service: string,
    private limits: LogLimits,
    private readonly loss: OutputLoss,
  ) {}

  /** Opens (or creates) the live generation now, so that set-up problems surface at once. */
  open(): void {
    this.ensureOpen();
  }

  /**
   * Appends a chunk of `stream` captured at `now`; what cannot be written is counted as lost.
   * During an outage the data write itself is the probe: once it succeeds, the index gets the
   * "output lost" markers and then this chunk's line, so the markers sit where output went
   * missing. (Probing with the small index line instead would end the outage too early on a
   * disk with room left only in the index's last block.)
   */
  append(stream: LogStream, data: Buffer, now: number): void {
    let rest = data;
    while (rest.length > 0) {
      let plan;
      try {
        plan = planPiece({
          size: this.ensureSize(stream),
          openLine: this.openLineOf(stream),
          maxSize: this.limits.maxSizeBytes,
          indexFull: this.indexFull(),
          indexOverrun: this.indexOverrun(),
          data: rest,
        });
        if (plan.rotateBefore) this.rotate(now);
      } catch (err) {
        this.lastError = err;
        this.loss.record(stream, rest.length, err, now);
        return;
      }
      const piece = rest.subarray(0, plan.bytes);
      rest = rest.subarray(plan.bytes);
      if (piece.length > 0 && !this.appendPiece(stream, piece, now)) {
        if (rest.length > 0) this.loss.record(stream, rest.length, this.lastError, now);
        return;
      }
      if (plan.cutAfter) this.cutLine(stream, now);
    }
  }

  /** Writes one piece into the live data file as it is (append() chose where it goes); false when not all of it could be. */
  private appendPiece(stream: LogStream, data: Buffer, now: number): boolean {
    let offset = 0;
    let written = 0;
    try {
      const target = this.placeChunk(stream);
      offset = target.offset;
      written = writeFully(target.fd, data, offset);
    } catch (err) {
      written = err instanceof PartialWriteError ? err.written : 0;
      this.lastError = err instanceof PartialWriteError ? err.cause : err;
    }
    if (written > 0) {
      this.sizes[stream] += written;
      const closing = this.loss.active ? this.loss.closingLines(now) : "";
      // If this index write fails, no output is lost: readers show bytes that no index line
      // describes with the entry before them (tail-window.ts), and the outage stays open.
      const error = this.writeIndex(closing + formatChunkEntry(now, stream, offset, written));
      if (closing !== "" && error === null) this.loss.end();
    }
    this.lineEnds.afterWrite(stream, data, written);
    if (written < data.length) this.loss.record(stream, data.length - written, this.lastError, now);
    return written === data.length;
  }

  /** A line longer than max_size was cut after max_size bytes: marked, and the generation rotates. */
  private cutLine(stream: LogStream, now: number): void {
    const name = stream === "out" ? "stdout" : "stderr";
    const why = this.indexOverrun()
      ? "unfinished while the index reached twice max_size"
      : `longer than max_size (${this.limits.maxSizeBytes} bytes)`;
    this.marker(`a line of ${name} ${why} was cut here by rotation; it goes on in the next generation`, now);
    this.lineEnds.set(stream, 0); // marked already: rotate() must not mark it once more
    try {
      this.rotate(now);
    } catch (err) {
      // The next chunk tries again (its plan starts with the rotation); nothing is lost here.
      this.lastError = err;
    }
  }

  /**
   * Moves the next chunk of `stream` from its FIFO into the data file without taking it into
   * the daemon (FifoSink.splice): the bytes moved, 0 when the pipe is empty, or null when the
   * chunk must go through append() instead: during an outage (append probes and records the
   * loss) or when this file system cannot splice.
   */
  splice(stream: LogStream, pipe: PipeEnd, now: number): number | null {
    if (this.loss.active || this.spliceRefused) return null;
    let moved: number;
    let offset: number;
    try {
      const pending = Math.min(pipe.bytes(), READ_CHUNK_BYTES);
      if (pending === 0) return 0;
      // A chunk that crosses the limit is read instead: the cut must fall at a line end.
      if (this.ensureSize(stream) + pending > this.limits.maxSizeBytes || this.indexFull()) return null;
      const target = this.placeChunk(stream);
      offset = target.offset;
      moved = pipe.spliceTo(target.fd, offset, pending);
    } catch (err) {
      // EINVAL and the like: a file system without splice. The chunk is still in the pipe.
      if (isErrno(err, "EINVAL") || isErrno(err, "ENOSYS") || isErrno(err, "EOPNOTSUPP"))
        this.spliceRefused = true;
      this.lastError = err;
      return null;
    }
    if (moved > 0) {
      this.sizes[stream] += moved;
      this.lineEnds.forget(stream); // the bytes went past the daemon: read from the file if needed
      this.writeIndex(formatChunkEntry(now, stream, offset, moved));
    }
    return moved;
  }

  /** Writes a lifecycle marker; while writes fail it is kept and written when they work again. */
  marker(text: string, now: number): void {
    const line = formatMarkerEntry(now, text);
    if (this.loss.active && !this.endLoss(now)) {
      this.loss.deferMarker(line, this.lastError, now);
      return;
    }
    const error = this.writeIndex(line);
    if (error !== null) this.loss.deferMarker(line, error, now);
  }

  /** New limits apply from the next write; generations above a lowered `keep` go at once. */
  updateLimits(limits: LogLimits): void {
    this.limits = limits;
    pruneGenerations(this.logsDir, this.service, limits.keep);
  }

  /** Closes the files, after one last try to record an outage in progress. */
  close(): void {
    if (this.loss.active) this.endLoss(Date.now());
    this.loss.flushReports();
    this.closeFiles();
  }

  /** The index is so far past its limit (twice) that a line end is no longer waited for. */
  private indexOverrun(): boolean {
    return this.sizes.idx > 2 * this.limits.maxSizeBytes;
  }

  /**
   * The index is bounded by the same limit as the data files: a service writing many tiny
   * chunks must not grow it without end. Leaves room for one more line.
   */
  private indexFull(): boolean {
    return (
      this.sizes.idx > INDEX_LINE_RESERVE && this.sizes.idx + INDEX_LINE_RESERVE > this.limits.maxSizeBytes
    );
  }

  /**
   * Starts a new live generation: shift the old ones, or with keep 0 truncate in place. The
   * stream that asked for it ends at a line end; the other one may be in the middle of a line
   * (a prompt, a line its writer has not finished): that cut is marked in the index.
   */
  private rotate(now: number): void {
    for (const stream of LOG_STREAMS) {
      if (this.fds?.[stream] == null || this.openLineOf(stream) === 0) continue;
      const name = stream === "out" ? "stdout" : "stderr";
      // Straight into the index: marker() could end an outage, which rotates in turn.
      this.writeIndex(
        formatMarkerEntry(
          now,
          `an unfinished line of ${name} was cut here by rotation; it goes on in the next generation`,
        ),
      );
    }
    this.lineEnds.set("out", 0);
    this.lineEnds.set("err", 0);
    if (this.limits.keep <= 0 && this.fds) {
      // keep 0: no rotated copy. Truncating keeps the inodes, so followers notice it by the
      // index shrinking or by its new header id (follow.ts).
      // Each size follows its own truncate: one that fails leaves that file's size as it is.
      for (const kind of ["out", "err", "idx"] as const) {
        const fd = this.fds[kind];
        if (fd !== null) ftruncateSync(fd, 0);
        this.sizes[kind] = 0;
      }
      this.indexLineOpen = false;
      this.writeHeader();
      return;
    }
    this.closeFiles();
    shiftGenerations(this.logsDir, this.service, this.limits.keep);
    this.ensureOpen();
  }

  /**
   * Opens the live generation: the index (created if missing, since markers go there from the
   * first start on) and whichever data files exist. A service that never writes to a stream
   * gets no file for it: on the disks seen here a file create costs most of a millisecond, and
   * a cold start of a fresh state dir would pay it twice per service.
   */
  private ensureOpen(): OpenFiles {
    if (this.fds) return this.fds;
    const files = generationFiles(this.logsDir, this.service, 0);
    const opened: OpenFiles = { idx: -1, out: null, err: null };
    try {
      // Never through a symlink, and only into regular files (open-own-file.ts).
      const idx = openOwnFile(
        files.idx,
        constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT,
        "file",
        LOG_FILE_MODE,
      );
      opened.idx = idx.fd;
      this.sizes.idx = idx.stat.size;
      for (const stream of LOG_STREAMS) {
        const data = openExisting(files[stream]);
        opened[stream] = data?.fd ?? null;
        this.sizes[stream] = data?.stat.size ?? 0;
      }
    } catch (err) {
      for (const fd of [opened.idx, opened.out, opened.err]) if (fd !== null && fd >= 0) closeSync(fd);
      throw err;
    }
    this.fds = opened;
    this.lineEnds.forget("out");
    this.lineEnds.forget("err");
    if (this.sizes.idx === 0) this.writeHeader();
    else this.indexLineOpen = !endsWithNewline(files.idx, this.sizes.idx);
    return this.fds;
  }

  /**
   * Where the next chunk of `stream` goes (the caller has rotated if needed): the data file
   * (created at the stream's first output) and the end of what this writer wrote, unless the
   * file is shorter now (an operator emptied it, `: > web.out.log`, or logrotate's
   * copytruncate): then its real end, so that no run of NUL bytes fills the gap. One fstat per
   * chunk: through the addon, since fs.fstatSync's Stats object cost 12% of the capture rate
   * of a writer of 4 KiB lines (measured with `seq`).
   */
  private placeChunk(stream: LogStream): { fd: number; offset: number } {
    const fds = this.ensureOpen();
    const fd = fds[stream] ?? this.createDataFile(fds, stream);
    const actual = fileSize(fd);
    if (actual < this.sizes[stream]) {
      this.sizes[stream] = actual;
      this.lineEnds.forget(stream);
    }
    return { fd, offset: this.sizes[stream] };
  }

  /** The size of the stream's live data file as this writer knows it (opening the generation first). */
  private ensureSize(stream: LogStream): number {
    this.ensureOpen();
    return this.sizes[stream];
  }

  private openLineOf(stream: LogStream): number {
    return this.lineEnds.openLine(
      stream,
      this.fds?.[stream] ?? null,
      this.sizes[stream],
      this.limits.maxSizeBytes,
    );
  }

  /** Creates the stream's data file of the live generation at its first output. */
  private createDataFile(fds: OpenFiles, stream: LogStream): number {
    const path = generationFiles(this.logsDir, this.service, 0)[stream];
    // Readable too: the end of the last line is looked for there when the generation rotates.
    const { fd, stat } = openOwnFile(path, constants.O_RDWR | constants.O_CREAT, "file", LOG_FILE_MODE);
    fds[stream] = fd;
    this.sizes[stream] = stat.size;
    return fd;
  }

  private writeHeader(): void {
    this.writeIndex(formatIndexHeader());
  }

  /**
   * Appends index text, all of it or none; returns the error, or null. What a failed write left
   * (a disk filling up mid-write) is cut off again: the caller writes the same lines once more
   * later, and lines written twice would count a window of lost output twice. Only when that
   * cut fails too does a partial line stay, closed by the next write.
   */
  private writeIndex(text: string): unknown {
    if (!this.fds) return new Error("log files are not open");
    const data = Buffer.from(this.indexLineOpen ? `\n${text}` : text);
    try {
      this.sizes.idx += writeFully(this.fds.idx, data);
      this.indexLineOpen = false;
      return null;
    } catch (err) {
      const written = err instanceof PartialWriteError ? err.written : 0;
      if (written > 0) {
        try {
          // From the file's own size: an operator may have emptied it meanwhile. A cut frees
          // space, so it works on a full disk.
          ftruncateSync(this.fds.idx, fstatSync(this.fds.idx).size - written);
        } catch (cutError) {
          // EIO and the like: the fragment stays, and is closed as a line of its own next time.
          this.sizes.idx += written;
          this.indexLineOpen = true;
          this.lastError = cutError;
        }
      }
      return err instanceof PartialWriteError ? err.cause : err;
    }
  }

  /** Writes the markers that close an outage; true when writing works again. */
  private endLoss(now: number): boolean {
    try {
      this.ensureOpen();
      if (this.indexFull()) this.rotate(now);
    } catch (err) {
      this.lastError = err;
      return false;
    }
    const error = this.writeIndex(this.loss.closingLines(now));
    if (error !== null) {
      this.lastError = error;
      return false;
    }
    this.loss.end();
    return true;
  }

  private closeFiles(): void {
    if (!this.fds) return;
    for (const fd of [this.fds.idx, this.fds.out, this.fds.err]) if (fd !== null) closeSync(fd);
    this.fds = null;
  }
}

/** Thrown by writeFully when only part of the data could be written. */
class PartialWriteError extends Error {
  constructor(
    readonly written: number,
    override readonly cause: unknown,
  ) {
    super(`wrote ${written} bytes, then failed`, { cause });
  }
}

/** fs.writeSync may write less than asked (a disk filling up): loop, and say how far it got. */
function writeFully(fd: number, data: Buffer, position: number | null = null): number {
  let written = 0;
  while (written < data.length) {
    try {
      const at = position === null ? null : position + written;
      written += writeSync(fd, data, written, data.length - written, at);
    } catch (err) {
      if (written === 0) throw err;
      throw new PartialWriteError(written, err);
    }
  }
  return written;
}

function endsWithNewline(path: string, size: number): boolean {
  const { fd } = openOwnFile(path, constants.O_RDONLY);
  try {
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    return last[0] === 10;
  } finally {
    closeSync(fd);
  }
}

/** An existing data file opened for writing, or null when there is none (nothing is created). */
function openExisting(path: string): { fd: number; stat: Stats } | null {
  try {
    return openOwnFile(path, constants.O_RDWR);
  } catch (err) {
    if (isErrno(err, "ENOENT")) return null;
    throw err;
  }
}

/** The size of an open file. */
function fileSize(fd: number): number {
  if (native === null) return fstatSync(fd).size;
  try {
    return native.fileSize(fd);
  } catch (err) {
    throw nativeError(err);
  }
}
