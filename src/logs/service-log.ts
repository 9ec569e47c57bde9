/**
 * ServiceLog: everything the daemon does with one service's output. It owns the two FIFOs in
 * `<state_dir>/logs/`, reads them for as long as the daemon lives, and appends what it reads
 * to the service's log files with an index of capture times and lifecycle markers
 * (docs/logs.md). Services get their ends of the FIFOs from childStdio() at each spawn.
 */
import {
  closeSync,
  constants,
  lstatSync,
  mkdirSync,
  open as openCallback,
  unlinkSync,
  type Stats,
} from "node:fs";
import { promisify } from "node:util";
import { UpkeepError, isErrno } from "../core/errors.js";
import { refusedLink, wrongKindError } from "../core/open-own-file.js";
import { FifoReader, openChildEnd } from "./fifo.js";
import { ensureFifo, ensureFifos } from "./make-fifos.js";
import { LOG_STREAMS, assertLogName, fifoPath, generationFiles, type LogStream } from "./log-files.js";
import { LOG_FILE_MODE, LogWriter } from "./log-writer.js";
import { OutputLoss, type DroppedInfo } from "./output-loss.js";

export interface ServiceLogOptions {
  logsDir: string;
  service: string;
  maxSizeBytes: number;
  keep: number;
  /** Output could not be written (disk full): the daemon turns this into a `log_dropped` event. */
  onDropped?: (info: DroppedInfo) => void;
  /** A FIFO could not be read (should never happen); default: a process warning. */
  onError?: (error: Error) => void;
}

/** Upper bound of one drainNow per stream, in case a surviving grandchild keeps writing. */
const MAX_DRAIN_BYTES = 16 * 1024 * 1024;

/**
 * Create the FIFOs and live index files of many services (daemon start-up) in libuv's
 * threadpool, a group of services at a time, in config order. Returns one promise per service,
 * settled once its files are there: the daemon opens the logs of the first services while the
 * disk still makes the files of the last (on a new state dir a create is mostly waiting,
 * 30–140 ms for 200 services here). ServiceLog.open then finds them and opens them at once.
 */
export function prepareServiceFiles(
  logsDir: string,
  services: readonly string[],
): Map<string, Promise<void>> {
  mkdirSync(logsDir, { recursive: true, mode: 0o700 });
  for (const service of services) assertLogName(service);
  const ready = new Map<string, Promise<void>>();
  for (let i = 0; i < services.length; i += FILES_GROUP) {
    const group = services.slice(i, i + FILES_GROUP);
    const fifos = ensureFifos(
      group.flatMap((service) => LOG_STREAMS.map((s) => fifoPath(logsDir, service, s))),
    );
    for (const service of group) {
      // Only the index: data files are made at a stream's first output (log-writer.ts).
      const done = Promise.all([fifos, createIndexFile(generationFiles(logsDir, service, 0).idx)]).then(
        () => undefined,
      );
      // The caller awaits these in order and stops at the first failure: the rest are handled.
      done.catch(() => undefined);
      ready.set(service, done);
    }
  }
  return ready;
}

/** Services whose FIFOs are made in one threadpool call at start-up. */
const FILES_GROUP = 16;

const openFd = promisify(openCallback);

/** Creates a live index file unless one exists; the open runs in the threadpool. */
async function createIndexFile(path: string): Promise<void> {
  // O_APPEND|O_CREAT without writing: an existing file is left as it is. O_NOFOLLOW: a
  // symlink here is refused (ELOOP), never followed; LogWriter checks the kind when it opens.
  const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;
  let fd: number;
  try {
    fd = await openFd(path, flags | constants.O_NONBLOCK, LOG_FILE_MODE);
  } catch (err) {
    throw refusedLink(path, err) ?? wrongIndexKind(path) ?? err;
  }
  // Nothing was written: the close does not wait for the disk. On the loop thread, so that it
  // does not queue behind the other services' creates.
  closeSync(fd);
}

/**
 * The open failed because something other than a regular file is there (a directory: EISDIR;
 * a FIFO no one reads or a socket: ENXIO): said as what was found, with the fix; null when the
 * path holds a regular file or nothing (the open's own error then says it).
 */
function wrongIndexKind(path: string): UpkeepError | null {
  let stat: Stats;
  try {
    stat = lstatSync(path);
  } catch (err) {
    if (isErrno(err, "ENOENT")) return null;
    throw err;
  }
  return stat.isFile() ? null : wrongKindError(path, stat, "file");
}

/** The daemon's side of one service's output. */
export class ServiceLog {
  /** The live data files (status shows them as `log_file`). */
  readonly files: { out: string; err: string };
  private readonly writer: LogWriter;
  private readonly readers: Record<LogStream, FifoReader>;
  private child: { out: number; err: number } | null = null;
  private closed = false;

  private constructor(private readonly options: ServiceLogOptions) {
    const { logsDir, service } = options;
    const live = generationFiles(logsDir, service, 0);
    this.files = { out: live.out, err: live.err };
    this.writer = new LogWriter(logsDir, service, limitsOf(options), new OutputLoss(options.onDropped));
    this.writer.open();
    const onError = options.onError ?? ((error: Error) => process.emitWarning(error));
    const open = (stream: LogStream): FifoReader =>
      FifoReader.open(
        fifoPath(logsDir, service, stream),
        {
          chunk: (data) => this.capture(stream, data),
          splice: (pipe) => this.writer.splice(stream, pipe, Date.now()),
        },
        onError,
      );
    let out: FifoReader | null = null;
    try {
      out = open("out");
      this.readers = { out, err: open("err") };
    } catch (error) {
      out?.close();
      this.writer.close();
      throw error;
    }
  }

  /**
   * Creates the FIFOs if missing, opens the readers and starts draining. Output a service wrote
   * while no daemon was reading (a previous daemon died) is read and written first.
   */
  static open(options: ServiceLogOptions): ServiceLog {
    assertLogName(options.service);
    try {
      mkdirSync(options.logsDir, { recursive: true, mode: 0o700 });
      for (const stream of LOG_STREAMS) ensureFifo(fifoPath(options.logsDir, options.service, stream));
      return new ServiceLog(options);
    } catch (err) {
      if (err instanceof UpkeepError) throw err;
      throw new UpkeepError("STATE_DIR_UNUSABLE", `cannot open the logs of service ${options.service}`, {
        hint: `Check that ${options.logsDir} exists, is a directory, and is writable by the daemon's user.`,
        details: { service: options.service, file: options.logsDir },
        cause: err,
      });
    }
  }

  /** Descriptors for spawn's stdio[1] and stdio[2]; close them with releaseChildStdio() after spawn. */
  childStdio(): { out: number; err: number } {
    if (this.closed) {
      throw new UpkeepError(
        "INTERNAL",
        `the log of service ${this.options.service} is closed: no output can be captured`,
        {
          hint: "Open a new ServiceLog for the service before spawning it (a bug in upkeep: please report it).",
          details: { service: this.options.service },
        },
      );
    }
    if (this.child) return this.child;
    const { logsDir, service } = this.options;
    const out = openChildEnd(fifoPath(logsDir, service, "out"));
    try {
      this.child = { out, err: openChildEnd(fifoPath(logsDir, service, "err")) };
    } catch (err) {
      closeSync(out);
      throw err;
    }
    return this.child;
  }

  /** Closes the daemon's copies of the child's descriptors (the child keeps its own). */
  releaseChildStdio(): void {
    if (!this.child) return;
    closeSync(this.child.out);
    closeSync(this.child.err);
    this.child = null;
  }

  /** Writes a lifecycle marker ("started PID 123"), timestamped now. */
  marker(text: string): void {
    this.writer.marker(text, Date.now());
  }

  /**
   * Reads and writes everything buffered in both FIFOs, synchronously. Call it when a service
   * exits and before writing the exit marker, so the marker lands after the last output.
   */
  drainNow(): void {
    if (this.closed) return;
    this.readers.out.drainSync(MAX_DRAIN_BYTES);
    this.readers.err.drainSync(MAX_DRAIN_BYTES);
  }

  /** New rotation limits (config reload); they apply from the next write. */
  updateLimits(maxSizeBytes: number, keep: number): void {
    this.writer.updateLimits({ maxSizeBytes, keep });
  }

  /** Stops reading (daemon shutdown) after draining; the FIFOs and files stay for the next daemon. */
  close(): void {
    if (this.closed) return;
    this.drainNow();
    this.closed = true;
    this.releaseChildStdio();
    this.readers.out.close();
    this.readers.err.close();
    this.writer.close();
  }

  /** Closes and deletes the FIFOs (the service left the config); the log files stay. */
  remove(): void {
    this.close();
    for (const stream of LOG_STREAMS) {
      try {
        unlinkSync(fifoPath(this.options.logsDir, this.options.service, stream));
      } catch (err) {
        if (!isErrno(err, "ENOENT")) throw err; // ENOENT: already removed, which is the goal
      }
    }
  }

  private capture(stream: LogStream, data: Buffer): void {
    // `data` is a view of a reused read buffer: the writer consumes it synchronously.
    this.writer.append(stream, data, Date.now());
  }
}

function limitsOf(options: ServiceLogOptions): { maxSizeBytes: number; keep: number } {
  return { maxSizeBytes: options.maxSizeBytes, keep: options.keep };
}
