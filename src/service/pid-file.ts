import {
  closeSync,
  constants,
  existsSync,
  ftruncateSync,
  lstatSync,
  mkdirSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomicAsync } from "../core/atomic-write.js";
import { isErrno } from "../core/errors.js";
import { openOwnFile, refusedLink, wrongKindError } from "../core/open-own-file.js";
import { native, nativeError } from "../core/native.js";

/** `<state_dir>/pids/NAME.pid`: the PID alone, no newline (SPEC §6). */
export function pidFilePath(stateDir: string, service: string): string {
  return join(stateDir, "pids", `${service}.pid`);
}

/** The hidden file a new PID is written to before it is swapped in (see writePidFile). */
export function sparePidFilePath(stateDir: string, service: string): string {
  return join(stateDir, "pids", `.${service}.pid.spare`);
}

/**
 * Write the service's PID file atomically. With the native addon the new
 * PID goes into the hidden spare file, which is then swapped with the PID file in one
 * renameat2(RENAME_EXCHANGE): readers see the old or the new PID, never a partial file, and
 * after the first restart no write creates a file (a create costs most of a millisecond on
 * the disks seen here, and it sat on every restart's path). Without the addon: a temp file
 * renamed over it. One runner writes its own file at a time, so writes never overlap.
 */
export async function writePidFile(stateDir: string, service: string, pid: number): Promise<void> {
  const dir = join(stateDir, "pids");
  if (!madeDirs.has(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    madeDirs.add(dir);
  }
  const path = pidFilePath(stateDir, service);
  if (native === null) return writeFileAtomicAsync(path, String(pid));
  const spare = sparePidFilePath(stateDir, service);
  // An existing spare is rewritten in place, at once (tens of µs); only a missing one is
  // created, on the threadpool, since a create costs most of a millisecond.
  if (!rewriteExisting(spare, String(pid))) await createSpare(spare, String(pid));
  // Removed by us (the common case after an exit): a rename puts it in place. Had someone made
  // one meanwhile, the rename replaces it as atomically; only its inode is not kept as spare.
  if (removedByUs.delete(path)) return renameSync(spare, path);
  // The exchange would take whatever is at the PID file's path as the next spare: a directory
  // or FIFO put there would fail every later write, naming the spare instead of what was put.
  refuseForeignKind(path);
  try {
    native.exchange(spare, path);
  } catch (err) {
    const error = nativeError(err);
    // ENOENT: no PID file yet; EINVAL: a file system without RENAME_EXCHANGE. A plain rename
    // is as atomic; the spare is then made anew by the next write.
    if (error.code !== "ENOENT" && error.code !== "EINVAL") throw error;
    renameSync(spare, path);
  }
}

/**
 * Writes `text` over the file at `path` if it exists (false when it does not). On the loop
 * thread, like the store's writes to the same state dir. Never through a symlink, and only
 * into a regular file (openOwnFile): a link planted at the spare's place is refused.
 *
 * Written from offset 0 and then cut to length, not opened with O_TRUNC: on ext4, truncating
 * a file with data to zero frees its block through the journal and took 0.4–1.3 ms per write
 * here (most of it waiting in open(2)), while a write in place and a cut inside the same block
 * take ~10 µs. The spare is hidden and swapped in whole, so nobody reads it half-written.
 */
function rewriteExisting(path: string, text: string): boolean {
  let opened: ReturnType<typeof openOwnFile>;
  try {
    opened = openOwnFile(path, constants.O_WRONLY);
  } catch (err) {
    if (isErrno(err, "ENOENT")) return false;
    // A directory (EISDIR) or a FIFO no one reads (ENXIO): said as what it is, with the fix.
    if (isErrno(err, "EISDIR") || isErrno(err, "ENXIO")) refuseForeignKind(path);
    throw err;
  }
  const { fd, stat } = opened;
  try {
    const bytes = Buffer.from(text);
    for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done, done);
    if (stat.size > bytes.length) ftruncateSync(fd, bytes.length);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Creates the spare: a new file or nothing (O_EXCL|O_NOFOLLOW), so no link is followed. */
async function createSpare(path: string, text: string): Promise<void> {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  let handle;
  try {
    handle = await open(path, flags, 0o644);
  } catch (err) {
    throw refusedLink(path, err) ?? err;
  }
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
}

/**
 * PID files this process removed and has not written since: the next write renames the spare
 * into place at once instead of trying the exchange, which fails there (ENOENT).
 */
const removedByUs = new Set<string>();

/** PID folders made by this process (a state dir's folder is never removed while it runs). */
const madeDirs = new Set<string>();

/**
 * Remove the service's PID file; a missing file is already the wanted result. Its inode is kept
 * as the spare when there is none, so the next start writes without creating a file.
 */
export function removePidFile(stateDir: string, service: string): void {
  const path = pidFilePath(stateDir, service);
  const spare = sparePidFilePath(stateDir, service);
  // Only a file of ours is removed or kept as the spare: a directory or FIFO put there stays
  // where it is, and is said.
  refuseForeignKind(path);
  try {
    if (native !== null && !existsSync(spare)) renameSync(path, spare);
    else unlinkSync(path);
  } catch (err) {
    if (!isErrno(err, "ENOENT")) throw err;
  }
  removedByUs.add(path);
}

/** Throws STATE_DIR_UNUSABLE when something other than a regular file is at `path` (no link followed). */
function refuseForeignKind(path: string): void {
  const stat = lstatSync(path, { throwIfNoEntry: false });
  if (stat !== undefined && !stat.isFile()) throw wrongKindError(path, stat, "file");
}
