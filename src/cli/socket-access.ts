/**
 * Why the daemon's socket refused this user, from what lstat shows of the socket (or of the
 * state dir, when the socket cannot even be reached): who owns it, its group and mode, and
 * what gets this user in. Read only when a connect failed with EACCES/EPERM.
 */
import { lstatSync, type Stats } from "node:fs";
import { dirname } from "node:path";
import { isErrno } from "../core/errors.js";
import { groupNameOf, userNameOf } from "../core/users.js";

export interface SocketDenial {
  message: string;
  hint: string;
}

/** The refusal explained: what is owned by whom with which mode, and the command that helps. */
export function describeSocketDenial(socketPath: string): SocketDenial {
  const uid = process.geteuid?.() ?? 0;
  const me = userNameOf(uid) ?? `uid ${uid}`;
  const stateDir = dirname(socketPath);
  // The socket itself when the state dir lets us look; else the state dir is what stops us.
  const socket = lstatOrNull(socketPath);
  const blocker = socket ?? lstatOrNull(stateDir);
  const path = socket ? socketPath : stateDir;
  const base = `permission denied on the daemon's socket ${socketPath}`;
  if (blocker === null) {
    return { message: base, hint: `check the modes of ${stateDir} and the socket (ls -ld ${stateDir})` };
  }
  const owner = userNameOf(blocker.uid) ?? `uid ${blocker.uid}`;
  const group = groupNameOf(blocker.gid) ?? `gid ${blocker.gid}`;
  const found = `${path} is ${owner}:${group}, mode ${modeOf(blocker)}`;
  const groupMay = (blocker.mode & (socket ? 0o060 : 0o010)) !== 0;
  if (groupMay) {
    return {
      message: `${base}: ${found}, and you (${me}) are not in group ${group}`,
      hint: `ask for membership of group ${group} (usermod -aG ${group} ${me}), then log in again; or run upkeep as ${owner}`,
    };
  }
  return {
    message: `${base}: ${found}, for ${owner} only`,
    hint: `run upkeep as ${owner} (e.g. sudo upkeep …); or let a group in: set socket_group: GROUP in the config and restart the daemon (upkeep shutdown, then upkeep daemon)`,
  };
}

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (err) {
    // Not reachable or not there: the caller looks one level up, or says what it can.
    if (isErrno(err, "EACCES") || isErrno(err, "ENOENT")) return null;
    throw err;
  }
}

function modeOf(stat: Stats): string {
  return `0${(stat.mode & 0o7777).toString(8).padStart(3, "0")}`;
}
