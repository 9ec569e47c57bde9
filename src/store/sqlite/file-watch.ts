/**
 * Noticing that the store's files were taken from under the daemon. SQLite keeps writing to
 * the file it opened: when `state.db` (or its `-wal`) is deleted or replaced, every later
 * write goes to an unlinked inode, and the next daemon starts from what is at the path — an
 * empty store, or one without what the WAL held. So the path is compared with the open file:
 * the descriptor SQLite holds (found once in /proc/self/fd) must still be the inode at the
 * path. Cost: one readlink, one fstat and one stat per file, about 20 µs for both (measured).
 */
import { fstatSync, readdirSync, readlinkSync, statSync } from "node:fs";
import { errnoOf } from "../../core/errors.js";

/** How the kernel shows a descriptor of a file that was unlinked. */
const DELETED = " (deleted)";

/** What happened to one file: gone from its path, or another file is at the path now. */
export interface FileLoss {
  path: string;
  kind: "deleted" | "replaced" | "unreadable";
  message: string;
}

/** The descriptor of this process that has `path` open (deleted or not), or null. */
function findOpenFd(path: string): number | null {
  for (const name of readdirSync("/proc/self/fd")) {
    const fd = Number(name);
    if (openPathOf(fd) === path) return fd;
  }
  return null;
}

/** The path an open descriptor names, " (deleted)" cut off; null when it is not open. */
function openPathOf(fd: number): string | null {
  try {
    const target = readlinkSync(`/proc/self/fd/${fd}`);
    return target.endsWith(DELETED) ? target.slice(0, -DELETED.length) : target;
  } catch (err) {
    if (errnoOf(err) === "ENOENT") return null;
    throw err;
  }
}

/** Watches one file SQLite holds open. */
class OpenFile {
  private fd: number | null = null;

  constructor(readonly path: string) {}

  /** What happened to the file at the path, or null when it is the one open (or none is open yet). */
  loss(): FileLoss | null {
    if (this.fd === null || openPathOf(this.fd) !== this.path) this.fd = findOpenFd(this.path);
    if (this.fd === null) return null; // SQLite has not opened it (a WAL before the first read)
    const open = fstatSync(this.fd);
    const path = this.path;
    let atPath;
    try {
      atPath = statSync(path);
    } catch (err) {
      if (errnoOf(err) === "ENOENT") return { path, kind: "deleted", message: `${path} was deleted` };
      const message = `${path} cannot be read (${errnoOf(err) ?? String(err)})`;
      return { path, kind: "unreadable", message };
    }
    if (atPath.ino === open.ino && atPath.dev === open.dev && open.nlink > 0) return null;
    return { path, kind: "replaced", message: `${path} was replaced by another file` };
  }
}

/** The store's database file and its write-ahead log. */
export class StoreFileWatch {
  private readonly files: OpenFile[];

  constructor(file: string) {
    this.files = [new OpenFile(file), new OpenFile(`${file}-wal`)];
  }

  /** What happened to the store's files; [] while the daemon still writes what is at their paths. */
  losses(): FileLoss[] {
    return this.files.map((f) => f.loss()).filter((l): l is FileLoss => l !== null);
  }
}
