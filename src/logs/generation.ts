/**
 * Reading one generation of a service's log files (index + both data files) from another
 * process while the daemon may be writing and rotating them. Rotation renames files, so an
 * open descriptor keeps its generation; a reader opens the three files, reads, and finally
 * checks that every path still names the file it opened. If not, a rotation ran meanwhile
 * and the reader starts again (see tail.ts).
 */
import { closeSync, constants, fstatSync, lstatSync, readSync } from "node:fs";
import { isErrno } from "../core/errors.js";
import { openOwnFile } from "../core/open-own-file.js";
import { parseIndexBlock, type IndexEntry } from "./index-format.js";
import { generationFiles, type GenerationFiles, type LogStream } from "./log-files.js";

type FileKind = keyof GenerationFiles;
const KINDS = ["out", "err", "idx"] as const;
const INDEX_BLOCK_BYTES = 64 * 1024;

/** Descriptors (null: file missing) and sizes of one generation, as opened. */
export interface OpenGeneration {
  number: number;
  paths: GenerationFiles;
  fds: Record<FileKind, number | null>;
  inodes: Record<FileKind, number | null>;
  sizes: Record<FileKind, number>;
  /** Time for bytes no index line describes: the newest modification time of the three files. */
  fallbackTime: number;
}

/** Opens generation `number`; null when none of its files exist. Data files first, index last. */
export function openGeneration(logsDir: string, service: string, number: number): OpenGeneration | null {
  const paths = generationFiles(logsDir, service, number);
  const gen: OpenGeneration = {
    number,
    paths,
    fds: { idx: null, out: null, err: null },
    inodes: { idx: null, out: null, err: null },
    sizes: { idx: 0, out: 0, err: 0 },
    fallbackTime: 0,
  };
  for (const kind of KINDS) {
    try {
      // Never through a symlink, and only a regular file (a FIFO would block the read).
      const { fd, stat } = openOwnFile(paths[kind], constants.O_RDONLY);
      gen.fds[kind] = fd;
      gen.inodes[kind] = stat.ino;
      gen.sizes[kind] = stat.size;
      gen.fallbackTime = Math.max(gen.fallbackTime, Math.floor(stat.mtimeMs));
    } catch (err) {
      if (!isErrno(err, "ENOENT")) {
        closeGeneration(gen);
        throw err;
      }
    }
  }
  if (KINDS.every((kind) => gen.fds[kind] === null)) return null;
  return gen;
}

/** True when every path of the generation still names the file that was opened (or is still missing). */
export function generationUnchanged(gen: OpenGeneration): boolean {
  return KINDS.every((kind) => inodeAt(gen.paths[kind]) === gen.inodes[kind]);
}

/** The inode at `path` (a symlink's own, never its target's), or null when nothing is there. */
export function inodeAt(path: string): number | null {
  try {
    return lstatSync(path).ino;
  } catch (err) {
    if (isErrno(err, "ENOENT")) return null; // missing is an answer here, not a failure
    throw err;
  }
}

/** Closes what openGeneration opened. */
export function closeGeneration(gen: OpenGeneration): void {
  for (const kind of KINDS) {
    const fd = gen.fds[kind];
    if (fd !== null) closeSync(fd);
    gen.fds[kind] = null;
  }
}

/** Reads up to `length` bytes at `position`; shorter when the file is shorter. */
export function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const bytes = readSync(fd, buffer, done, length - done, position + done);
    if (bytes === 0) break;
    done += bytes;
  }
  return done === length ? buffer : buffer.subarray(0, done);
}

/** The data of `stream` in [offset, end), clamped to what the file holds. */
export function readStream(gen: OpenGeneration, stream: LogStream, offset: number, end: number): Buffer {
  if (end <= offset) return Buffer.alloc(0);
  const fd = gen.fds[stream] ?? openLateDataFile(gen, stream);
  if (fd === null) return Buffer.alloc(0);
  return readAt(fd, offset, end - offset);
}

/**
 * A data file is created with its stream's first output (log-writer.ts), so a generation opened
 * before that has none: open it once the index describes bytes in it. It belongs to this
 * generation only while the index path still names our index (rotation renames the index
 * first), so that is checked after the open.
 */
function openLateDataFile(gen: OpenGeneration, stream: LogStream): number | null {
  let fd: number;
  try {
    fd = openOwnFile(gen.paths[stream], constants.O_RDONLY).fd;
  } catch (err) {
    if (isErrno(err, "ENOENT")) return null;
    throw err;
  }
  if (inodeAt(gen.paths.idx) !== gen.inodes.idx) {
    closeSync(fd);
    return null;
  }
  gen.fds[stream] = fd;
  gen.inodes[stream] = fstatSync(fd).ino;
  return fd;
}

/** Index entries from the end of the index backwards, reading it in 64 KiB blocks. */
export function* indexEntriesBackward(fd: number, size: number): Generator<IndexEntry> {
  let end = size;
  // The start of a line that began in an earlier block: carried over to the next read.
  let carry = Buffer.alloc(0);
  while (end > 0) {
    const start = Math.max(0, end - INDEX_BLOCK_BYTES);
    const block = Buffer.concat([readAt(fd, start, end - start), carry]);
    end = start;
    let from = 0;
    if (start > 0) {
      const newline = block.indexOf(10);
      if (newline === -1) {
        carry = block;
        continue;
      }
      from = newline + 1;
      carry = block.subarray(0, from);
    }
    const { entries } = parseIndexBlock(block.subarray(from));
    for (let i = entries.length - 1; i >= 0; i--) yield entries[i]!;
  }
}

/**
 * Complete index entries in [from, min(size, from + maxBytes)); `ends[i]` is the file position
 * after entry i, and `next` is where the following read starts.
 */
export function readIndexForward(
  fd: number,
  from: number,
  size: number,
  maxBytes: number,
): { entries: IndexEntry[]; ends: number[]; next: number } {
  if (size <= from) return { entries: [], ends: [], next: from };
  const { entries, ends, consumed } = parseIndexBlock(readAt(fd, from, Math.min(size - from, maxBytes)));
  return { entries, ends: ends.map((end) => from + end), next: from + consumed };
}
