import { randomBytes } from "node:crypto";
import {
  closeSync,
  constants,
  fstatSync,
  linkSync,
  openSync,
  readdirSync,
  readSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { isErrno, UpkeepError } from "../core/errors.js";

/**
 * The secret part of the instance lock's name (see instance-lock.ts): `<state_dir>/lock-key.N`,
 * 32 random hex digits, mode 0600, one file per generation N. Only the state dir's owner can
 * read it, so nobody else can bind the name before the daemon. A name becomes public once bound
 * (every user can read /proc/net/unix), so a daemon that finds its name taken by another user's
 * process moves to generation N+1, a fresh secret; every daemon uses the newest generation.
 * Each file is written under a temp name and then link()ed into place, which fails if the
 * generation exists already: two daemons racing on a fresh dir end up with the same key.
 */
const KEY_FILE = /^lock-key\.([1-9]\d{0,8})$/;
const KEY_TEXT = /^[0-9a-f]{32}$/;

export interface LockKey {
  generation: number;
  key: string;
}

/** The generations present in the state dir, oldest first. */
export function listKeyGenerations(stateDir: string): number[] {
  const generations: number[] = [];
  for (const entry of readdirSync(stateDir)) {
    const match = KEY_FILE.exec(entry);
    if (match) generations.push(Number(match[1]));
  }
  return generations.sort((a, b) => a - b);
}

/** The key of one generation, or null when its file is gone (a newer daemon removed it). */
export function readLockKey(stateDir: string, generation: number, ownerUid: number): LockKey | null {
  const path = keyPath(stateDir, generation);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    if (isErrno(err, "ENOENT")) return null;
    if (isErrno(err, "ELOOP")) throw untrusted(path, "is a symlink");
    throw err;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw untrusted(path, "is not a regular file");
    if (stat.uid !== ownerUid)
      throw untrusted(path, `is owned by uid ${stat.uid}, not the state dir's owner (${ownerUid})`);
    if ((stat.mode & 0o077) !== 0)
      throw untrusted(path, `has mode ${(stat.mode & 0o777).toString(8)}, not 600`);
    const buffer = Buffer.alloc(64);
    const key = buffer.subarray(0, readSync(fd, buffer, 0, 64, 0)).toString("latin1");
    if (!KEY_TEXT.test(key)) throw untrusted(path, "does not hold 32 hex digits");
    return { generation, key };
  } finally {
    closeSync(fd);
  }
}

/**
 * Create a generation with a fresh random key, or read it when another daemon created it first.
 * Returns null only when the generation was created and removed again in between.
 */
export function createLockKey(stateDir: string, generation: number, ownerUid: number): LockKey | null {
  const path = keyPath(stateDir, generation);
  const temp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const fd = openSync(
    temp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    writeSync(fd, randomBytes(16).toString("hex"));
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, path);
  } catch (err) {
    if (!isErrno(err, "EEXIST")) throw err;
  } finally {
    unlinkSync(temp);
  }
  return readLockKey(stateDir, generation, ownerUid);
}

/** Remove the key files older than `generation` (the daemon holding it is the only one). */
export function removeOlderLockKeys(stateDir: string, generation: number): void {
  for (const older of listKeyGenerations(stateDir)) {
    if (older >= generation) continue;
    try {
      unlinkSync(keyPath(stateDir, older));
    } catch (err) {
      // Another daemon starting at the same moment may have removed it already.
      if (!isErrno(err, "ENOENT")) throw err;
    }
  }
}

function keyPath(stateDir: string, generation: number): string {
  return join(stateDir, `lock-key.${generation}`);
}

function untrusted(path: string, what: string): UpkeepError {
  return new UpkeepError("STATE_DIR_UNUSABLE", `the lock key ${path} ${what}; it cannot be trusted`, {
    hint: `make sure no upkeep daemon runs on this state dir (upkeep status), then remove it: rm ${path}`,
    details: { file: path },
  });
}
