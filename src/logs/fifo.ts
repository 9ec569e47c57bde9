/**
 * The FIFOs between a service and the daemon (DESIGN-NOTES, "Output that survives the daemon's
 * death"). The service writes into a named FIFO in the state dir; the daemon reads it. When the
 * daemon dies, output waits in the pipe buffer (a writer that fills it blocks) and the next
 * daemon reopens the FIFO by its path and drains it: nothing is lost, and the service never
 * gets SIGPIPE because it holds a reading end itself (see openChildEnd). The daemon moves the
 * bytes into the log file with splice(2), so its own death at any instant loses none either.
 * The FIFOs are made by make-fifos.ts.
 */
import { closeSync, constants, readSync } from "node:fs";
import { Socket, type SocketConstructorOpts } from "node:net";
import { errnoOf } from "../core/errors.js";
import { native, nativeError, type PollHandle } from "../core/native.js";
import { openOwnFile } from "../core/open-own-file.js";
import { PipePacer } from "./pipe-pacer.js";

/** The size of one read; a pipe holds 64 KiB by default, so larger reads gain nothing. */
export const READ_CHUNK_BYTES = 64 * 1024;

// One read buffer for all FIFOs, and one for drainSync: libuv reads one handle at a time on
// the loop thread and each chunk is consumed synchronously before the next read, so sharing
// is safe, and a daemon with many services does not hold 128 KiB per service.
const READ_BUFFER = Buffer.allocUnsafe(READ_CHUNK_BYTES);
const DRAIN_BUFFER = Buffer.allocUnsafe(READ_CHUNK_BYTES);

/**
 * Opens the service's end: O_RDWR, so the open never blocks and the service itself always holds
 * a reader (no SIGPIPE, ever, even while no daemon reads). Blocking mode: services expect a
 * blocking stdout, and a full pipe then pauses them instead of failing their writes.
 */
export function openChildEnd(path: string): number {
  // Never through a symlink, and only a FIFO (open-own-file.ts).
  return openOwnFile(path, constants.O_RDWR, "fifo").fd;
}

/**
 * `onread` is accepted by the net.Socket constructor since Node 12 (it is documented for
 * socket.connect()), but @types/node 20 leaves it out of the constructor's options.
 */
interface SocketWithOnRead extends SocketConstructorOpts {
  onread: { buffer: Uint8Array; callback: (bytes: number, buffer: Uint8Array) => boolean };
}

/** A FIFO's read end, for a sink that moves bytes from it to a file without reading them. */
export interface PipeEnd {
  /** Bytes the pipe holds now. */
  bytes(): number;
  /** Moves up to `length` bytes to `fd` at `offset` (splice); 0 when the pipe is empty; throws. */
  spliceTo(fd: number, offset: number, length: number): number;
}

/** Where a FifoReader's output goes. */
export interface FifoSink {
  /** One chunk read from the FIFO, consumed synchronously (the buffer is reused after). */
  chunk(data: Buffer): void;
  /**
   * Moves one chunk straight from the pipe into the log: the bytes moved, 0 when the pipe is
   * empty, or null when the chunk must be read and passed to chunk() instead (an outage).
   */
  splice(pipe: PipeEnd): number | null;
}

/** Bytes handled per wake-up of one FIFO before others get their turn (libuv reads 32 chunks). */
const BYTES_PER_WAKEUP = 32 * READ_CHUNK_BYTES;

/**
 * Reads a FIFO on the loop thread. With the native addon the bytes go from the pipe into the
 * log file by splice(2), so a daemon killed at any instant has either stored a chunk or left
 * it in the pipe for the next daemon (native/pipe.c); without it, libuv reads each chunk into
 * the daemon and the sink writes it at once, which leaves a window of a few microseconds per
 * chunk in which a SIGKILL loses the chunk in hand.
 */
export class FifoReader {
  private readonly fd: number;
  private readonly socket: Socket | null = null;
  private readonly poll: PollHandle | null = null;
  /** The pipe as a splice source; null without the addon (chunks are then read). */
  private readonly pipe: PipeEnd | null = null;
  private closed = false;
  /** With the addon: holds the wake-ups of a fast writer (pipe-pacer.ts). */
  private readonly pacer: PipePacer | null = null;

  private constructor(
    readonly path: string,
    private readonly sink: FifoSink,
    onError: (error: Error) => void,
  ) {
    // O_RDWR, not O_RDONLY: without a writer the reader would see EOF whenever no service
    // holds the FIFO (between runs), and net.Socket would then close the fd. Opened for
    // writing too (never written to; Linux allows it on a FIFO), the daemon's own descriptor
    // keeps the FIFO "connected" with one fd instead of a second keep-alive one: every open fd
    // is copied into each spawned child and closed again at its exec. Ends of output come from
    // the service's exit instead.
    // Never through a symlink, and only a FIFO: something swapped in is refused (open-own-file.ts).
    this.fd = openOwnFile(path, constants.O_RDWR | constants.O_NONBLOCK, "fifo").fd;
    const addon = native;
    const fd = this.fd;
    if (addon) {
      this.pipe = {
        bytes: () => addon.pipeBytes(fd),
        spliceTo: (file, offset, length) => {
          try {
            return addon.splice(fd, file, offset, length);
          } catch (err) {
            throw nativeError(err);
          }
        },
      };
      try {
        this.poll = addon.pollReadable(fd, () => this.pump(BYTES_PER_WAKEUP, onError));
      } catch (err) {
        closeSync(fd);
        throw nativeError(err);
      }
      this.pacer = new PipePacer(addon, fd, this.poll);
      return;
    }
    // libuv polls the fd (epoll) and reads into one reused buffer: no copy, no stream buffering,
    // so the sink sees every chunk in order and before drainSync can read a later one.
    const options: SocketWithOnRead = {
      fd,
      readable: true,
      writable: false,
      onread: {
        buffer: READ_BUFFER,
        callback: (bytes: number, buffer: Uint8Array): boolean => {
          this.sink.chunk(Buffer.from(buffer.buffer, buffer.byteOffset, bytes));
          return true;
        },
      },
    };
    this.socket = new Socket(options);
    this.socket.on("error", onError);
    this.socket.on("end", () => onError(new Error(`log FIFO ${path} reached end of file`)));
  }

  /** Opens the FIFO at `path` for reading and starts delivering its output to `sink`. */
  static open(path: string, sink: FifoSink, onError: (error: Error) => void): FifoReader {
    return new FifoReader(path, sink, onError);
  }

  /** Moves what the pipe holds right now (at most about `maxBytes`) to the sink; returns the byte count. */
  drainSync(maxBytes: number): number {
    return this.move(maxBytes, 1);
  }

  /** Stops reading; what the pipe holds stays there for the next reader. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pacer?.close();
    if (this.poll && native) {
      native.stopPoll(this.poll);
      closeSync(this.fd);
    }
    this.socket?.destroy(); // closes this.fd
  }

  /** One wake-up of the native poll: move chunks until the pipe is empty or the budget is spent. */
  private pump(maxBytes: number, onError: (error: Error) => void): void {
    let moved = 0;
    try {
      moved = this.move(maxBytes, READ_CHUNK_BYTES);
    } catch (err) {
      onError(err instanceof Error ? err : new Error(String(err)));
    }
    if (!this.closed) this.pacer?.afterWakeup(moved);
  }

  /**
   * Moves chunks while each one moved at least `fullChunk` bytes. A wake-up stops at the first
   * short chunk: the pipe was all but empty, and chasing a writer that is still writing would
   * move its output a few KiB at a time (the poll, level-triggered, comes back for the rest).
   */
  private move(maxBytes: number, fullChunk: number): number {
    let total = 0;
    while (!this.closed && total < maxBytes) {
      const moved = this.moveOne();
      total += moved;
      if (moved < fullChunk) break;
    }
    return total;
  }

  /** Moves one chunk: spliced when the sink can, else read here and handed over. */
  private moveOne(): number {
    if (this.pipe) {
      const spliced = this.sink.splice(this.pipe);
      if (spliced !== null) return spliced;
    }
    let bytes: number;
    try {
      bytes = readSync(this.fd, DRAIN_BUFFER, 0, DRAIN_BUFFER.length, null);
    } catch (err) {
      if (errnoOf(err) === "EAGAIN" || errnoOf(err) === "EWOULDBLOCK") return 0; // the pipe is empty
      throw err;
    }
    if (bytes > 0) this.sink.chunk(DRAIN_BUFFER.subarray(0, bytes));
    return bytes;
  }
}
