/**
 * What the state dir checks (state-dir-trust.ts) say when they refuse: the path, what was
 * found (owner by name and uid, mode, link target, errno in words), and the exact fix.
 */
import { readlinkSync, type Stats } from "node:fs";
import { describeErrno } from "../core/atomic-write.js";
import { UpkeepError, errnoOf } from "../core/errors.js";
import { typeOf } from "../core/open-own-file.js";
import { userNameOf } from "../core/users.js";

/** What is wrong with the dir `stat` describes, or null; `owners` are the uids that may own it. */
export function describeProblem(
  path: string,
  label: string,
  stat: Stats,
  owners: readonly number[],
  ownersText: string,
  stateDir: string | null,
): UpkeepError | null {
  const mode = `0${(stat.mode & 0o7777).toString(8).padStart(3, "0")}`;
  const details = { file: path, uid: stat.uid, mode };
  if (stat.isSymbolicLink()) {
    const target = readLink(path);
    const fix =
      stateDir !== null
        ? `If ${target} is yours, use it directly (--state-dir ${target}, or state_dir: ${target}); otherwise remove the link (rm ${path}) and let upkeep create the dir.`
        : `Remove the link (rm ${path}); upkeep creates the dir itself.`;
    return new UpkeepError(
      "STATE_DIR_UNUSABLE",
      `${label} ${path} is a symlink (to ${target}): upkeep never follows symlinks in its state dir`,
      { hint: fix, details: { ...details, got: target } },
    );
  }
  if (!stat.isDirectory()) {
    return new UpkeepError(
      "STATE_DIR_UNUSABLE",
      `${label} ${path} is not a directory (found ${typeOf(stat)})`,
      {
        hint: `Remove it (rm ${path}) or choose another state dir.`,
        details,
      },
    );
  }
  const wanted = label === "pids dir" ? "755" : "700";
  if (!owners.includes(stat.uid)) {
    const owner = userNameOf(stat.uid) ?? "an unknown user";
    const me = userNameOf(owners.at(-1) ?? 0) ?? String(owners.at(-1));
    return new UpkeepError(
      "STATE_DIR_UNUSABLE",
      `${label} ${path} is owned by ${owner} (uid ${stat.uid}), not by ${ownersText} (mode ${mode})`,
      {
        hint:
          `Its owner could have put links in it where upkeep's files go. Remove it and let upkeep create its own (rm -rf ${path}), ` +
          `or, if you made it for this daemon yourself: chown ${me}: ${path} && chmod ${wanted} ${path}; ` +
          `or use a state dir under a folder only ${me} can write (e.g. /var/lib/upkeep).`,
        details,
      },
    );
  }
  const writable = stat.mode & 0o022;
  if (writable !== 0) {
    const who = writable === 0o022 ? "its group and others" : writable === 0o020 ? "its group" : "others";
    return new UpkeepError("STATE_DIR_UNUSABLE", `${label} ${path} is writable by ${who} (mode ${mode})`, {
      hint: `Anyone who can write there could put links where upkeep's files go: chmod ${wanted} ${path}, and check that nothing in it is someone else's (ls -la ${path}).`,
      details,
    });
  }
  return null;
}

export function readLink(path: string): string {
  try {
    return readlinkSync(path);
  } catch (err) {
    return `? (${errnoOf(err) ?? String(err)})`;
  }
}

/** An errno failure as STATE_DIR_UNUSABLE: what failed, why in words, and what to do. */
export function unusable(what: string, err: unknown, path: string): UpkeepError {
  if (err instanceof UpkeepError) return err;
  const errno = errnoOf(err) ?? "unknown";
  return new UpkeepError("STATE_DIR_UNUSABLE", `${what}: ${describeErrno(errno, err)}`, {
    hint:
      DIR_HINTS[errno]?.(path) ??
      `Check ${path} (ls -ld ${path}), or choose another state dir with --state-dir.`,
    details: { file: path, errno },
    cause: err,
  });
}

const DIR_HINTS: Record<string, (path: string) => string> = {
  EROFS: (p) =>
    `${p} is on a read-only file system: mount it read-write, or choose a writable state dir (--state-dir, or state_dir: in the config).`,
  ENOSPC: (p) => `Free space where ${p} lives (df -h ${p}), or choose another state dir.`,
  EDQUOT: (p) => `The daemon's user is over its disk quota where ${p} lives: free space or raise the quota.`,
  EACCES: (p) =>
    `The daemon's user may not write there: run the daemon as the owner of ${p}, or choose another state dir.`,
  EPERM: (p) =>
    `The daemon's user may not do that to ${p}: run the daemon as its owner (or root), or choose another state dir.`,
};
