/**
 * Opening upkeep's own files in the state dir without following symlinks (SPEC §6). A symlink
 * found where one of its files should be was put there by someone else: it is refused, never
 * followed, and what is opened must be the kind of file expected (a FIFO swapped for a regular
 * file, or the reverse, is refused too). A regular file is opened with O_NONBLOCK: a FIFO put
 * where it belongs must not block the daemon in open(2), and on a regular file the flag has no
 * effect. FIFOs are opened O_RDWR by their callers, which never blocks on Linux, and keep
 * their blocking mode (a service's stdout must block).
 */
import { closeSync, constants, fstatSync, openSync, type Stats } from "node:fs";
import { UpkeepError, errnoOf } from "./errors.js";

export type OwnFileKind = "file" | "fifo";

/**
 * Opens `path` with `flags` plus O_NOFOLLOW (and O_NONBLOCK for a regular file) and checks
 * with fstat that it is a
 * `kind`; returns the descriptor and what fstat saw. ENOENT and other errno errors are
 * thrown as they are (callers branch on them); a symlink or a wrong kind is STATE_DIR_UNUSABLE.
 */
export function openOwnFile(
  path: string,
  flags: number,
  kind: OwnFileKind = "file",
  mode?: number,
): { fd: number; stat: Stats } {
  let fd: number;
  try {
    const extra = kind === "file" ? constants.O_NOFOLLOW | constants.O_NONBLOCK : constants.O_NOFOLLOW;
    fd = openSync(path, flags | extra, mode);
  } catch (err) {
    throw refusedLink(path, err) ?? err;
  }
  let stat: Stats;
  try {
    stat = fstatSync(fd);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  if (kind === "fifo" ? !stat.isFIFO() : !stat.isFile()) {
    closeSync(fd);
    throw wrongKindError(path, stat, kind);
  }
  return { fd, stat };
}

/** Something other than a `kind` found at `path`, where upkeep keeps its own file. */
export function wrongKindError(path: string, stat: Stats, kind: OwnFileKind): UpkeepError {
  return new UpkeepError(
    "STATE_DIR_UNUSABLE",
    `${path} is not a ${KIND_WORDS[kind]} (found ${typeOf(stat)})`,
    {
      hint: `Something else was put where upkeep keeps its own file: remove it (rm ${path}) and start again; upkeep recreates it.`,
      details: { file: path, expected: KIND_WORDS[kind], got: typeOf(stat) },
    },
  );
}

/** ELOOP from an O_NOFOLLOW open as the error the operator should see; null for other errors. */
export function refusedLink(path: string, err: unknown): UpkeepError | null {
  if (errnoOf(err) !== "ELOOP") return null;
  return new UpkeepError(
    "STATE_DIR_UNUSABLE",
    `${path} is a symlink: upkeep never follows symlinks in its state dir`,
    {
      hint: `Someone else put it there. Remove it (rm ${path}; upkeep recreates its own file), and check who can write to the state dir.`,
      details: { file: path, errno: "ELOOP" },
      cause: err,
    },
  );
}

const KIND_WORDS: Record<OwnFileKind, string> = { file: "regular file", fifo: "FIFO" };

/** What a Stats describes, for messages ("a FIFO (named pipe)"): the one wording of every refusal. */
export function typeOf(stat: Stats): string {
  if (stat.isFile()) return "a regular file";
  if (stat.isDirectory()) return "a directory";
  if (stat.isSymbolicLink()) return "a symlink";
  if (stat.isFIFO()) return "a FIFO (named pipe)";
  if (stat.isSocket()) return "a socket";
  if (stat.isCharacterDevice()) return "a character device";
  if (stat.isBlockDevice()) return "a block device";
  return "something else";
}
