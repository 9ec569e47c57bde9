/**
 * `<state_dir>/daemon.log` rotated like a service's log (docs/daemon.md, "The daemon's own
 * log"): when the next write would take it past 10 MiB (a service log's default `max_size`), it
 * becomes daemon.log.1 (daemon.log.K shifts to K+1; daemon.log.5, a service log's default
 * `keep`, is overwritten by daemon.log.4) and a new daemon.log takes its place. The daemon writes whole lines only,
 * so every file ends at a line end.
 *
 * The file is the daemon's stderr (`daemon --detach` points it there, and so may an operator's
 * `2>>`): rotating only when descriptor 2 is that very file (same device and inode), and
 * re-pointing descriptor 2 at the new one (dup3, native/dup.c), keeps everything written to
 * stderr in the current file, a fatal error's trace included. A rotation that fails is said once
 * and the file then grows as before: its writes never stop.
 */
import { closeSync, constants, fstatSync, lstatSync, renameSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_LOGS } from "../config/schema.js";
import { errnoOf, isErrno } from "../core/errors.js";
import { native } from "../core/native.js";
import { openOwnFile } from "../core/open-own-file.js";

export const DAEMON_LOG = "daemon.log";

export class DaemonLogFile {
  private size: number;
  private broken = false;

  private constructor(
    private readonly path: string,
    size: number,
    private readonly dupOnto: (fd: number, target: number) => void,
    private readonly limits: { maxSizeBytes: number; keep: number },
  ) {
    this.size = size;
  }

  /**
   * The rotation of daemon.log when it is this process's stderr (and the addon can re-point
   * descriptor 2); null otherwise (a terminal, a pipe, journald).
   */
  static ofStderr(
    stateDir: string,
    limits: { maxSizeBytes: number; keep: number } = DEFAULT_LOGS,
  ): DaemonLogFile | null {
    const dupOnto = native?.dupOnto;
    if (dupOnto === undefined) return null;
    const path = join(stateDir, DAEMON_LOG);
    let stderr;
    let file;
    try {
      stderr = fstatSync(2);
      file = lstatSync(path);
    } catch (err) {
      if (isErrno(err, "ENOENT") || isErrno(err, "EBADF")) return null; // no such file, or no stderr
      throw err;
    }
    if (!stderr.isFile() || stderr.dev !== file.dev || stderr.ino !== file.ino) return null;
    return new DaemonLogFile(path, stderr.size, dupOnto, limits);
  }

  /**
   * Called before `bytes` are written to stderr: rotates first when they would take the file
   * past the limit (a file that is still empty takes them whatever their size). Returns a
   * message when a rotation failed (once), else null.
   */
  beforeWrite(bytes: number): string | null {
    let problem: string | null = null;
    if (!this.broken && this.size > 0 && this.size + bytes > this.limits.maxSizeBytes) {
      try {
        this.rotate();
        this.size = 0;
      } catch (err) {
        this.broken = true;
        problem = `${this.path} could not be rotated (${errnoOf(err) ?? String(err)}): it grows past ${this.limits.maxSizeBytes} bytes from now on`;
      }
    }
    this.size += bytes;
    return problem;
  }

  private rotate(): void {
    for (let k = this.limits.keep - 1; k >= 1; k--)
      renameIfThere(`${this.path}.${k}`, `${this.path}.${k + 1}`);
    renameSync(this.path, `${this.path}.1`);
    const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_EXCL;
    const { fd } = openOwnFile(this.path, flags, "file", 0o600);
    try {
      this.dupOnto(fd, 2);
    } finally {
      closeSync(fd);
    }
  }
}

function renameIfThere(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (err) {
    if (!isErrno(err, "ENOENT")) throw err; // ENOENT: fewer generations so far
  }
}
