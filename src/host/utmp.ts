/**
 * Who is logged in, read from utmp as `w` and `who` do, without running them. The file is an
 * array of glibc `struct utmp` records, 384 bytes each on x86_64 and arm64 (both keep the
 * 32-bit time fields of the compatible layout):
 *
 *   0 ut_type (short, 2 bytes padding)  4 ut_pid (int32)  8 ut_line[32]  40 ut_id[4]
 *   44 ut_user[32]  76 ut_host[256]  332 ut_exit (2 shorts)  336 ut_session (int32)
 *   340 ut_tv.tv_sec (int32)  344 ut_tv.tv_usec (int32)  348 ut_addr_v6[4]  364 unused[20]
 *
 * Only USER_PROCESS records are sessions; the rest (boot time, run level, dead entries) are not.
 */
import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { errnoOf } from "../core/errors.js";
import type { LoggedInUser } from "../store/incident-record.js";

export const UTMP_RECORD_BYTES = 384;
export const UTMP_FILE = "/var/run/utmp";
/** ut_type of a logged-in session. */
const USER_PROCESS = 7;
/** More than this many records is not a utmp file: read no further. */
const MAX_RECORDS = 4096;

/** The sessions in a utmp file's bytes; a trailing partial record is ignored. */
export function parseUtmp(data: Buffer): LoggedInUser[] {
  const users: LoggedInUser[] = [];
  const count = Math.min(MAX_RECORDS, Math.floor(data.length / UTMP_RECORD_BYTES));
  for (let i = 0; i < count; i++) {
    const at = i * UTMP_RECORD_BYTES;
    if (data.readInt16LE(at) !== USER_PROCESS) continue;
    const user = cString(data, at + 44, 32);
    if (user === "") continue;
    users.push({
      user,
      line: cString(data, at + 8, 32),
      host: cString(data, at + 76, 256),
      since: data.readInt32LE(at + 340) * 1000 + Math.floor(data.readInt32LE(at + 344) / 1000),
    });
  }
  return users;
}

/**
 * The sessions of `file`; an absent file (containers, hosts without logins) is no session, with
 * the reason, never an error. Read as the daemon reads files it does not own: opened without
 * blocking (a FIFO put there would hold a threadpool thread forever), only a regular file, and
 * at most MAX_RECORDS records.
 */
export async function readLoggedInUsers(
  file: string = UTMP_FILE,
): Promise<{ users: LoggedInUser[]; note: string | null }> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    const code = errnoOf(err) ?? String(err);
    const why = code === "ENOENT" ? "absent (no login records on this host)" : `unreadable: ${code}`;
    return { users: [], note: `${file} ${why}` };
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return { users: [], note: `${file} is not a regular file: not read` };
    const size = Math.min(stats.size, MAX_RECORDS * UTMP_RECORD_BYTES);
    const buffer = Buffer.alloc(size);
    let length = 0;
    while (length < size) {
      const { bytesRead } = await handle.read(buffer, length, size - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return { users: parseUtmp(buffer.subarray(0, length)), note: null };
  } catch (err) {
    return { users: [], note: `${file} unreadable: ${errnoOf(err) ?? String(err)}` };
  } finally {
    await handle.close();
  }
}

/** A NUL-padded fixed-size C string field. */
function cString(data: Buffer, start: number, size: number): string {
  const end = data.indexOf(0, start);
  const stop = end === -1 || end > start + size ? start + size : end;
  return data.toString("utf8", start, stop);
}
