/**
 * Reading a small file that someone else controls (a service's pidfile, an env_file) without
 * letting it hurt the reader. A plain readFileSync blocks forever on a FIFO nobody writes,
 * reads /dev/zero until memory runs out, and follows any symbolic link. Here the file is opened
 * with O_NONBLOCK (a FIFO opens at once), checked with fstat to be a regular file (FIFO, device,
 * socket and directory are refused), and read to at most `cap` + 1 bytes (more is refused).
 *
 * Links: the last component is opened with O_NOFOLLOW. A symbolic link there is followed only
 * when root or upkeep's own user owns the link: a link a service's user planted in a folder it
 * can write (its run dir) is never followed, so a root daemon does not read, for that user,
 * a file it may not read itself. After the second open the link is looked at again, and the
 * file opened must still be the one the path names, so swapping links in between is caught.
 * Links in the folders above are followed as usual (/var/run -> /run is common).
 */
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readSync,
  statSync,
  type Stats,
} from "node:fs";
import { errnoOf } from "./errors.js";
import { typeOf } from "./open-own-file.js";

/**
 * What reading found: the text (with the file's owner and last write time, from the very file
 * read: a pidfile's tie to its process rests on them), nothing at that path, or why not read.
 */
export type SmallFileRead =
  | { kind: "text"; text: string; uid: number; mtimeMs: number }
  | { kind: "absent" }
  | { kind: "refused"; reason: string };

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

/** "4 KiB", "1 MiB": caps for reasons. */
function formatCap(bytes: number): string {
  if (bytes % 1024 ** 2 === 0) return `${bytes / 1024 ** 2} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** True when root or this process's user owns the link (it was not planted by another user). */
function isTrustedOwner(uid: number): boolean {
  return uid === 0 || uid === process.getuid?.();
}

/** Opens `path` by the rules above: an fd, or why not. */
function openGuarded(path: string): number | SmallFileRead {
  try {
    return openSync(path, OPEN_FLAGS | constants.O_NOFOLLOW);
  } catch (err) {
    const code = errnoOf(err);
    if (code === "ENOENT") return { kind: "absent" };
    if (code !== "ELOOP") return { kind: "refused", reason: `cannot be opened (${code ?? String(err)})` };
  }
  // ELOOP with O_NOFOLLOW: the last component is a symbolic link.
  let link: Stats;
  try {
    link = lstatSync(path);
  } catch (err) {
    return { kind: "refused", reason: `cannot be examined (${errnoOf(err) ?? String(err)})` };
  }
  if (!isTrustedOwner(link.uid))
    return {
      kind: "refused",
      reason:
        `is a symbolic link owned by uid ${link.uid}, which upkeep does not follow ` +
        `(only links owned by root or by upkeep's user are followed)`,
    };
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (err) {
    const code = errnoOf(err);
    if (code === "ENOENT")
      return { kind: "refused", reason: "is a symbolic link to a file that does not exist" };
    return { kind: "refused", reason: `cannot be opened (${code ?? String(err)})` };
  }
  // The path must still be a trusted link to the very file opened (no swap in between).
  try {
    const after = lstatSync(path);
    const target = statSync(path);
    const opened = fstatSync(fd);
    if (
      !after.isSymbolicLink() ||
      !isTrustedOwner(after.uid) ||
      target.ino !== opened.ino ||
      target.dev !== opened.dev
    ) {
      closeSync(fd);
      return { kind: "refused", reason: "changed while it was opened (a symbolic link was replaced)" };
    }
  } catch (err) {
    closeSync(fd);
    return { kind: "refused", reason: `changed while it was opened (${errnoOf(err) ?? String(err)})` };
  }
  return fd;
}

/**
 * Reads a small regular file: at most `cap` bytes as UTF-8 text. Never blocks on a FIFO,
 * never reads a device, never follows a link an untrusted user owns (see the file comment).
 */
export function readSmallFile(path: string, cap: number): SmallFileRead {
  const opened = openGuarded(path);
  if (typeof opened !== "number") return opened;
  const fd = opened;
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return { kind: "refused", reason: `is ${typeOf(stats)}, not a regular file` };
    // Read to cap + 1 bytes, whatever the size says (a file may grow as it is read).
    let buffer = Buffer.alloc(Math.min(cap + 1, Math.max(stats.size + 1, 4096)));
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > cap) break;
        const grown = Buffer.alloc(Math.min(cap + 1, length * 2));
        buffer.copy(grown, 0, 0, length);
        buffer = grown;
      }
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    if (length > cap) return { kind: "refused", reason: `is larger than ${formatCap(cap)}` };
    return { kind: "text", text: buffer.toString("utf8", 0, length), uid: stats.uid, mtimeMs: stats.mtimeMs };
  } catch (err) {
    return { kind: "refused", reason: `cannot be read (${errnoOf(err) ?? String(err)})` };
  } finally {
    closeSync(fd);
  }
}

/**
 * A short quotable prefix of text from a file (for a reason that says what a file holds):
 * at most `max` characters, control characters escaped, as a JSON string.
 */
export function quotePrefix(text: string, max = 24): string {
  const chars = [...text.slice(0, max * 2)];
  const prefix = chars.slice(0, max).join("");
  const more = chars.length > max ? "…" : "";
  return JSON.stringify(prefix.replace(/[^\x20-\x7e]/gu, "?") + more);
}

/**
 * readSmallFile for callers that handle a failure as an exception (the config file): the
 * text, or an Error saying why (with `code: "ENOENT"` when nothing is at the path).
 */
export function readRegularFile(path: string, cap = 4 * 1024 * 1024): string {
  const read = readSmallFile(path, cap);
  if (read.kind === "text") return read.text;
  if (read.kind === "absent") return throwAbsent(path);
  throw new Error(`it ${read.reason}`);
}

function throwAbsent(path: string): never {
  throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: "ENOENT" });
}
