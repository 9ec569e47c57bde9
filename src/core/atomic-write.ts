/**
 * Writing a file others read (PID files, status dump, config snapshot, records) so that a
 * reader never sees it half-written: a temp file beside it, then a rename over the target.
 * The temp file is always one this call created itself: a random name (nobody can place a
 * file or link there in advance, as with the old `<path>.tmp-<pid>`), opened with
 * O_CREAT|O_EXCL|O_NOFOLLOW, so nothing that already exists is ever written through. rename(2)
 * replaces a symlink at the target instead of following it. On any failure the temp file is
 * removed and STATE_DIR_UNUSABLE says what failed (a full disk, a read-only file system).
 */
import { randomBytes } from "node:crypto";
import { closeSync, constants, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { open, rename, unlink } from "node:fs/promises";
import { basename } from "node:path";
import { UpkeepError, errnoOf, isErrno } from "./errors.js";

const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** `<path>.tmp-<16 random hex digits>`: unguessable, so never prepared by someone else. */
export function tempPathFor(path: string): string {
  return `${path}.tmp-${randomBytes(8).toString("hex")}`;
}

/** Writes `data` to `path` atomically (see the file comment). */
export function writeFileAtomic(path: string, data: string | Buffer, mode = 0o644): void {
  const temp = tempPathFor(path);
  let created = false;
  try {
    const fd = openSync(temp, CREATE_NEW, mode);
    created = true;
    try {
      const bytes = typeof data === "string" ? Buffer.from(data) : data;
      for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (err) {
    if (created) removeTemp(temp);
    throw writeError(path, err);
  }
}

/** writeFileAtomic on libuv's threadpool: the file create does not block the event loop. */
export async function writeFileAtomicAsync(path: string, data: string | Buffer, mode = 0o644): Promise<void> {
  const temp = tempPathFor(path);
  let created = false;
  try {
    const handle = await open(temp, CREATE_NEW, mode);
    created = true;
    try {
      await handle.writeFile(data);
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (err) {
    if (created) await unlink(temp).catch((e: unknown) => reportLeftover(temp, e));
    throw writeError(path, err);
  }
}

function removeTemp(temp: string): void {
  try {
    unlinkSync(temp);
  } catch (err) {
    reportLeftover(temp, err);
  }
}

/** A temp file that could not be removed is named, so the operator can remove it. */
function reportLeftover(temp: string, err: unknown): void {
  if (isErrno(err, "ENOENT")) return; // already gone: nothing is left
  process.emitWarning(`could not remove the temp file ${temp}: ${errnoOf(err) ?? String(err)}`);
}

/** Errno errors as STATE_DIR_UNUSABLE naming the file and the reason; others as they are. */
function writeError(path: string, err: unknown): unknown {
  if (err instanceof UpkeepError) return err;
  const errno = errnoOf(err);
  if (errno === undefined) return err;
  return new UpkeepError("STATE_DIR_UNUSABLE", `cannot write ${path}: ${describeErrno(errno, err)}`, {
    hint:
      WRITE_HINTS[errno] ?? `Check that the state dir holding ${basename(path)} is writable by this user.`,
    details: { file: path, errno },
    cause: err,
  });
}

/** The errno's meaning in words, as the operator would search for it. */
export function describeErrno(errno: string, err: unknown): string {
  const words = ERRNO_WORDS[errno];
  if (words !== undefined) return `${words} (${errno})`;
  return err instanceof Error ? err.message : errno;
}

const ERRNO_WORDS: Record<string, string> = {
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EISDIR: "a directory is in the way",
  ENOTEMPTY: "a non-empty directory is in the way",
  EEXIST: "a file of that name exists already",
};

const WRITE_HINTS: Record<string, string> = {
  ENOSPC: "Free space on that file system (df -h on the state dir), or move the state dir.",
  EDQUOT: "Raise the quota of the daemon's user, or free space, or move the state dir.",
  EROFS: "Mount that file system read-write, or point --state-dir (or state_dir:) at a writable one.",
  EACCES: "Make the state dir writable by the daemon's user, or run the daemon as the dir's owner.",
  EISDIR: "Remove what is in the way; upkeep writes its own file there.",
  ENOTEMPTY: "Remove what is in the way; upkeep writes its own file there.",
};
