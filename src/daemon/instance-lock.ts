import { createHash } from "node:crypto";
import { closeSync, constants, openSync, readSync, statSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { errnoOf, isErrno, UpkeepError } from "../core/errors.js";
import { findLockHolder, readListeningSockets } from "./lock-holder.js";
import {
  createLockKey,
  listKeyGenerations,
  readLockKey,
  removeOlderLockKeys,
  type LockKey,
} from "./lock-key.js";

/**
 * One daemon per state dir (SPEC §6). Node has no flock, so the lock is a UNIX socket in
 * Linux's abstract namespace: only one process can bind a name, and the kernel frees it the
 * instant the holder dies (even by SIGKILL), leaving nothing stale behind. Abstract names have
 * no permissions, so the name carries a secret only the state dir's owner can read
 * (lock-key.ts), and a second daemon names the holder's PID only once it has proven that an
 * owner's process holds the socket (lock-holder.ts). (Abstract sockets are per network
 * namespace; the proof reads /proc, so it sees the holder only in the same PID namespace.)
 */
export function lockName(stateDir: string, key: LockKey): string {
  return `\0${lockPrefix(stateDir)}${key.key}`;
}

/** What every lock name of this state dir begins with, whatever its secret. */
function lockPrefix(stateDir: string): string {
  return `upkeep-lock-${createHash("sha256").update(stateDir).digest("hex").slice(0, 16)}-`;
}

/** Enough for several daemons and a squatter racing; each turn ends in a decision. */
const MAX_ATTEMPTS = 8;

export interface LockOptions {
  /** Told when the lock name was found taken by a process not of the state dir's owner. */
  warn?: (line: string) => void;
}

/** Take the lock, or throw DAEMON_ALREADY_RUNNING naming the holder's proven PID. */
export async function acquireInstanceLock(stateDir: string, options: LockOptions = {}): Promise<Server> {
  const owner = statSync(stateDir).uid;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const newest = listKeyGenerations(stateDir).at(-1);
    const current =
      newest === undefined ? createLockKey(stateDir, 1, owner) : readLockKey(stateDir, newest, owner);
    if (current === null) continue; // removed by a daemon that moved on: look again
    const name = lockName(stateDir, current);
    const server = await listenOn(name);
    if (server === null) {
      const holder = findLockHolder(name, owner, readPidFile(stateDir));
      if (holder.kind === "owner") throw alreadyRunning(stateDir, holder.pid);
      if (holder.kind === "foreign") {
        options.warn?.(
          `upkeep: the lock name of ${stateDir} (generation ${current.generation}) is held by a process not of uid ${owner}; moving to a new secret name`,
        );
        createLockKey(stateDir, current.generation + 1, owner);
      }
      continue;
    }
    // Won the name; it counts only if it is still the newest generation and no daemon of the
    // owner holds another name of this state dir: an older generation (bound while this daemon
    // was moving on), or a name whose key file was deleted or replaced under it.
    const generations = listKeyGenerations(stateDir);
    if (generations.at(-1) !== current.generation) {
      await closeServer(server);
      continue;
    }
    const older = otherHolder(stateDir, owner, name);
    if (older !== null) {
      await closeServer(server);
      throw alreadyRunning(stateDir, older);
    }
    removeOlderLockKeys(stateDir, current.generation);
    server.unref();
    return server;
  }
  throw new UpkeepError(
    "STATE_DIR_UNUSABLE",
    `could not take the lock of state dir ${stateDir}: its name was taken ${MAX_ATTEMPTS} times in a row`,
    {
      hint: `look for processes binding '@upkeep-lock-' sockets: grep upkeep-lock /proc/net/unix; then start the daemon again`,
    },
  );
}

/**
 * The PID of the daemon holding the state dir's lock, or null when none is proven to: a name
 * held by another user's process, or a state dir this user cannot read, names no PID.
 */
export function lockHolderPid(stateDir: string): Promise<number | null> {
  return new Promise((resolve) => {
    let owner: number;
    try {
      owner = statSync(stateDir).uid;
      resolve(otherHolder(stateDir, owner, null));
    } catch (err) {
      if (!isErrno(err, "ENOENT") && !isErrno(err, "EACCES")) throw err;
      resolve(null);
    }
  });
}

/**
 * A proven owner's process listening on a lock name of this state dir other than `except`.
 * Found by the names' common prefix, not through the key files: a key deleted or replaced under
 * a running daemon must not let a second daemon of the state dir start.
 */
function otherHolder(stateDir: string, owner: number, except: string | null): number | null {
  const sockets = readListeningSockets();
  const prefix = lockPrefix(stateDir);
  const names = [...sockets.keys()].filter((n) => n.startsWith(prefix) && `\0${n}` !== except);
  if (names.length === 0) return null; // the usual start: no other name to look into
  const likely = readPidFile(stateDir);
  for (const n of names) {
    const holder = findLockHolder(`\0${n}`, owner, likely, sockets);
    if (holder.kind === "owner") return holder.pid;
  }
  return null;
}

/** Bind the name; null when it is taken. */
async function listenOn(name: string): Promise<Server | null> {
  // Connections are never served: the lock is the binding itself.
  const server = createServer((socket) => socket.destroy());
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(name, () => {
        server.off("error", reject);
        resolve();
      });
    });
    return server;
  } catch (err) {
    if (errnoOf(err) === "EADDRINUSE") return null;
    throw err;
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The daemon's PID file, only as the first place to look (the proof is the socket). */
function readPidFile(stateDir: string): number[] {
  try {
    // Not followed if a symlink, and never waited on if something put a FIFO there.
    const fd = openSync(
      join(stateDir, "upkeep.pid"),
      constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK,
    );
    const buffer = Buffer.alloc(16);
    let text: string;
    try {
      text = buffer.subarray(0, readSync(fd, buffer, 0, 16, null)).toString("latin1");
    } finally {
      closeSync(fd);
    }
    return /^\d+$/.test(text) ? [Number(text)] : [];
  } catch (err) {
    // No PID file (no daemon yet, or one still starting): search every process instead.
    void err;
    return [];
  }
}

function alreadyRunning(stateDir: string, pid: number): UpkeepError {
  return new UpkeepError(
    "DAEMON_ALREADY_RUNNING",
    `upkeep daemon already running (PID ${pid}) for state dir ${stateDir}`,
    {
      hint: `talk to it with \`upkeep status\`, or stop it first with \`upkeep shutdown\``,
      details: { pid, stateDir },
    },
  );
}
