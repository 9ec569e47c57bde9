/**
 * Resolving a service's `user:` and `group:` from /etc/passwd and /etc/group (names or numeric
 * ids), so a spawn can drop privileges and an unknown name fails before anything starts.
 */
import { readFileSync } from "node:fs";
import { UpkeepError, errnoOf } from "./errors.js";

export interface ResolvedUser {
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

/** The colon-separated records of a passwd-style file, comments and blank lines skipped. */
function readRecords(file: string): string[][] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new UpkeepError("SERVICE_USER_UNKNOWN", `cannot read ${file}: ${errnoOf(err) ?? String(err)}`, {
      hint: `check that ${file} exists and is readable`,
      details: { file, errno: errnoOf(err) },
      cause: err,
    });
  }
  return text
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("#"))
    .map((line) => line.split(":"));
}

const NUMERIC = /^\d+$/;

/**
 * Resolves a user name or numeric uid. A numeric uid without a passwd entry is accepted (as
 * container runtimes do) with gid = uid, home "/" and shell /bin/sh; an unknown name is an error.
 */
export function resolveUser(name: string, passwdFile = "/etc/passwd"): ResolvedUser {
  const numeric = NUMERIC.test(name);
  for (const fields of readRecords(passwdFile)) {
    const [user, , uid, gid, , home, shell] = fields;
    if (uid === undefined || gid === undefined) continue;
    if (numeric ? Number(uid) === Number(name) : user === name) {
      return { uid: Number(uid), gid: Number(gid), home: home || "/", shell: shell || "/bin/sh" };
    }
  }
  if (numeric) return { uid: Number(name), gid: Number(name), home: "/", shell: "/bin/sh" };
  throw new UpkeepError(
    "SERVICE_USER_UNKNOWN",
    `user "${name}" does not exist (not found in ${passwdFile})`,
    {
      hint: `create it (useradd --system ${name}), fix the service's user: key, or give a numeric uid`,
      details: { file: passwdFile, got: name },
    },
  );
}

/** Resolves a group name or numeric gid (numeric ids need no /etc/group entry). */
export function resolveGroup(name: string, groupFile = "/etc/group"): { gid: number } {
  if (NUMERIC.test(name)) return { gid: Number(name) };
  for (const [group, , gid] of readRecords(groupFile)) {
    if (group === name && gid !== undefined && NUMERIC.test(gid)) return { gid: Number(gid) };
  }
  throw new UpkeepError(
    "SERVICE_USER_UNKNOWN",
    `group "${name}" does not exist (not found in ${groupFile})`,
    {
      hint: `create it (groupadd --system ${name}), fix the service's group: key, or give a numeric gid`,
      details: { file: groupFile, got: name },
    },
  );
}

/** The name of user `uid` in /etc/passwd, or null (unknown, or the file is unreadable). */
export function userNameOf(uid: number, passwdFile = "/etc/passwd"): string | null {
  return nameOf(uid, passwdFile);
}

/** The name of group `gid` in /etc/group, or null (unknown, or the file is unreadable). */
export function groupNameOf(gid: number, groupFile = "/etc/group"): string | null {
  return nameOf(gid, groupFile);
}

/** For messages only, so a file that cannot be read means "no name", not an error. */
function nameOf(id: number, file: string): string | null {
  let records: string[][];
  try {
    records = readRecords(file);
  } catch (err) {
    if (err instanceof UpkeepError) return null; // the message then shows the number alone
    throw err;
  }
  for (const [name, , value] of records) if (value !== undefined && Number(value) === id) return name ?? null;
  return null;
}
