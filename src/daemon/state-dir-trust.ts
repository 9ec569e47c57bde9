/**
 * Which state dir the daemon may use (SPEC §6). A state dir, `logs/` or `pids/` that is a
 * symlink, owned by another user than the one running the daemon (euid), or writable by its
 * group or others is refused with STATE_DIR_UNUSABLE naming what was found and the fix: its
 * owner could have put links in it where upkeep's files go, and a root daemon would write
 * through them. Checked with lstat (never stat), then through a descriptor opened with
 * O_NOFOLLOW that must be the same directory, which is also how `socket_group`'s group and
 * mode are set on it (no path is followed twice). A dir that cannot be written (read-only,
 * full) is refused here too, before anything is written into it.
 */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  unlinkSync,
  writeSync,
  type Stats,
} from "node:fs";
import { join } from "node:path";
import { UpkeepError, isErrno } from "../core/errors.js";
import { typeOf } from "../core/open-own-file.js";
import { resolveGroup, userNameOf } from "../core/users.js";
import { describeProblem, readLink, unusable } from "./state-dir-problems.js";

/** The folders checked, what they are called in messages, and the mode each is created with. */
const DIRS = [
  { sub: "", label: "state dir", mode: 0o700 },
  { sub: "logs", label: "logs dir", mode: 0o700 },
  { sub: "pids", label: "pids dir", mode: 0o755 },
] as const;

/** Files opened by path by others than upkeep's own open helpers (SQLite, `--detach`). */
const FILES_OPENED_BY_PATH = ["state.db", "state.db-wal", "state.db-shm", "state.db-journal", "daemon.log"];

/**
 * Creates what is missing of the state dir, `logs/` and `pids/`, and refuses any of them that
 * another user could tamper with. With `socketGid` the state dir is given that group with
 * search permission only (0700 becomes 0710), so the group can reach the socket.
 */
export function prepareTrustedStateDir(stateDir: string, options: { socketGid?: number | null } = {}): void {
  for (const { sub, label, mode } of DIRS) {
    const path = sub === "" ? stateDir : join(stateDir, sub);
    ensureDir(path, label, mode);
    const gid = sub === "" ? (options.socketGid ?? null) : null;
    checkTrusted(path, label, sub === "" ? stateDir : null, gid);
    if (sub === "") probeWritable(stateDir);
  }
  for (const name of FILES_OPENED_BY_PATH) refuseOddFile(join(stateDir, name));
}

/** The gid of the config's `socket_group`, or null without one. */
export function resolveSocketGroup(group: string | null, configFile: string): number | null {
  if (group === null) return null;
  try {
    return resolveGroup(group).gid;
  } catch (err) {
    throw new UpkeepError(
      "CONFIG_BAD_VALUE",
      `socket_group "${group}" does not exist (not found in /etc/group)`,
      {
        hint: `create it (groupadd --system ${group}), or fix socket_group in ${configFile}`,
        details: { file: configFile, keyPath: "socket_group", got: group },
        cause: err,
      },
    );
  }
}

function ensureDir(path: string, label: string, mode: number): void {
  try {
    lstatSync(path);
    return;
  } catch (err) {
    if (!isErrno(err, "ENOENT")) throw unusable(`cannot inspect ${label} ${path}`, err, path);
  }
  try {
    // Recursive: the parents of a new state dir are made too. If someone creates the dir in
    // between, mkdir succeeds quietly and checkTrusted then refuses it.
    mkdirSync(path, { recursive: true, mode });
  } catch (err) {
    throw unusable(`cannot create ${label} ${path}`, err, path);
  }
}

/** Refuses the dir at `path` unless it is a real directory of ours that only we can write. */
function checkTrusted(path: string, label: string, stateDir: string | null, socketGid: number | null): void {
  let stat: Stats;
  try {
    stat = lstatSync(path);
  } catch (err) {
    throw unusable(`cannot inspect ${label} ${path}`, err, path);
  }
  const euid = process.geteuid?.() ?? 0;
  const me = userNameOf(euid) ?? String(euid);
  const problem = describeProblem(
    path,
    label,
    stat,
    [euid],
    `${me} (uid ${euid}) who runs the daemon`,
    stateDir,
  );
  if (problem) throw problem;
  // The same directory through a descriptor that cannot follow a link swapped in since the lstat.
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch (err) {
    throw unusable(`cannot open ${label} ${path}`, err, path);
  }
  try {
    const opened = fstatSync(fd);
    if (opened.ino !== stat.ino || opened.dev !== stat.dev) {
      throw new UpkeepError("STATE_DIR_UNUSABLE", `${label} ${path} was replaced while upkeep checked it`, {
        hint: `Someone else can change ${path}'s parent folder: choose a state dir under a folder only ${me} can write.`,
        details: { file: path },
      });
    }
    if (socketGid !== null) letGroupThrough(fd, path, opened, socketGid, euid);
  } finally {
    closeSync(fd);
  }
}

/**
 * For a reader of the state dir (`upkeep check` with the daemon down): the same refusals, but
 * nothing is created or changed, a missing dir is fine, and root's dir is trusted as well as
 * the reader's own (the daemon usually runs as root; the check may run as a member of
 * socket_group).
 */
export function assertStateDirTrusted(stateDir: string): void {
  const euid = process.geteuid?.() ?? 0;
  const me = userNameOf(euid) ?? String(euid);
  const owners = euid === 0 ? "root (uid 0)" : `root (uid 0) nor by ${me} (uid ${euid})`;
  for (const { sub, label } of DIRS) {
    const path = sub === "" ? stateDir : join(stateDir, sub);
    let stat: Stats;
    try {
      stat = lstatSync(path);
    } catch (err) {
      if (isErrno(err, "ENOENT")) continue; // nothing there yet: nothing to read either
      throw unusable(`cannot inspect ${label} ${path}`, err, path);
    }
    // root last: the hint's chown names the last owner allowed, the daemon's usual user.
    const problem = describeProblem(path, label, stat, [euid, 0], owners, sub === "" ? stateDir : null);
    if (problem) throw problem;
  }
  for (const name of FILES_OPENED_BY_PATH) refuseOddFile(join(stateDir, name));
}

/** socket_group: the state dir gets the group, with search permission only (no read, no write). */
function letGroupThrough(fd: number, path: string, stat: Stats, gid: number, euid: number): void {
  const mode = (stat.mode & 0o7707) | 0o010;
  try {
    if (stat.gid !== gid) fchownSync(fd, euid, gid);
    if ((stat.mode & 0o7777) !== mode) fchmodSync(fd, mode);
  } catch (err) {
    throw unusable(`cannot give state dir ${path} to socket_group (gid ${gid})`, err, path);
  }
}

/** Writes and removes a file of one byte: a read-only or full file system is found now. */
function probeWritable(stateDir: string): void {
  const probe = join(stateDir, `.write-probe-${randomBytes(8).toString("hex")}`);
  let created = false;
  try {
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
    const fd = openSync(probe, flags, 0o600);
    created = true;
    try {
      writeSync(fd, "x");
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw unusable(`state dir ${stateDir} cannot be written`, err, stateDir);
  } finally {
    if (created) unlinkSync(probe);
  }
}

/** A symlink, or anything but a regular file, where a file opened by path belongs. */
function refuseOddFile(path: string): void {
  let stat: Stats;
  try {
    stat = lstatSync(path);
  } catch (err) {
    if (isErrno(err, "ENOENT")) return; // created later by upkeep itself
    throw unusable(`cannot inspect ${path}`, err, path);
  }
  if (stat.isFile()) return;
  const found = stat.isSymbolicLink() ? `a symlink (to ${readLink(path)})` : typeOf(stat);
  throw new UpkeepError("STATE_DIR_UNUSABLE", `${path} is ${found}, not upkeep's own file`, {
    hint: `upkeep never follows symlinks in its state dir: remove it (rm ${path}) and check who can write to the state dir.`,
    details: { file: path, got: found },
  });
}
