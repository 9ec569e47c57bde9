/**
 * `<state_dir>/http.token`: the bearer token of the HTTP API (SPEC §7). Made on the first start
 * that serves HTTP (256 random bits, mode 0600, written to a temp name and renamed, so a reader
 * never sees half a token), then kept: clients that read it once keep working across restarts.
 * It is opened without following symlinks, and one that others could read or that is not the
 * daemon user's is refused with the fix: the token is the key to every service.
 */
import { closeSync, constants, readSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../core/atomic-write.js";
import { errnoOf, isErrno, UpkeepError } from "../core/errors.js";
import { openOwnFile } from "../core/open-own-file.js";
import { newSecret } from "../api/sessions.js";

const TOKEN_PATTERN = /^[A-Za-z0-9._~+/=-]{32,512}$/;

export function tokenPath(stateDir: string): string {
  return join(stateDir, "http.token");
}

/** The token, made first if absent. Throws STATE_DIR_UNUSABLE for a file it must not trust. */
export function ensureHttpToken(stateDir: string): { token: string; created: boolean } {
  const path = tokenPath(stateDir);
  const existing = readToken(path);
  if (existing !== null) return { token: existing, created: false };
  const token = newSecret();
  writeFileAtomic(path, `${token}\n`, 0o600);
  return { token, created: true };
}

function readToken(path: string): string | null {
  let opened;
  try {
    opened = openOwnFile(path, constants.O_RDONLY);
  } catch (err) {
    if (isErrno(err, "ENOENT")) return null;
    throw unreadable(path, err);
  }
  try {
    const { stat } = opened;
    const euid = process.geteuid?.() ?? 0;
    if (stat.uid !== euid || (stat.mode & 0o077) !== 0) {
      throw new UpkeepError(
        "STATE_DIR_UNUSABLE",
        `${path} could be read or changed by others (owner uid ${stat.uid}, mode ${(stat.mode & 0o777).toString(8)})`,
        {
          hint: `make it the daemon user's own and private: chown ${euid} ${path} && chmod 600 ${path} (or remove it: a new token is made)`,
          details: { file: path, uid: stat.uid },
        },
      );
    }
    const buffer = Buffer.alloc(1024);
    const size = readSync(opened.fd, buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, size).toString("utf8").trim();
    if (!TOKEN_PATTERN.test(text)) {
      throw new UpkeepError(
        "STATE_DIR_UNUSABLE",
        `${path} holds no token (32 to 512 characters, no spaces)`,
        {
          hint: `remove it (rm ${path}) and start the daemon again: a new token is made`,
          details: { file: path },
        },
      );
    }
    return text;
  } finally {
    closeSync(opened.fd);
  }
}

/**
 * Any other errno (ENXIO for a socket put there, EIO, ...) as the refusal naming the file: a bare
 * errno error would not be taken for the listener's failure and would stop the daemon.
 */
function unreadable(path: string, err: unknown): unknown {
  const errno = errnoOf(err);
  if (err instanceof UpkeepError || errno === undefined) return err;
  return new UpkeepError("STATE_DIR_UNUSABLE", `${path} cannot be opened: ${errno}`, {
    hint: `remove it (rm ${path}) and start the daemon again: a new token is made`,
    details: { file: path, errno },
    cause: err,
  });
}
