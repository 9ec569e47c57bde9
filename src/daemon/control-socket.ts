import { chmodSync, lchownSync, lstatSync, unlinkSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { isErrno, UpkeepError } from "../core/errors.js";
import { typeOf } from "../core/open-own-file.js";
import { createApiHandler, type ApiContext } from "../api/app.js";

/** The socket's mode: owner only, or owner and `socket_group`. */
const OWNER_ONLY = 0o600;
const OWNER_AND_GROUP = 0o660;

/**
 * The CLI's way in: the API over `<state_dir>/upkeep.sock`. Its mode is its authentication:
 * 0600 (the daemon's user only), or 0660 with the group of `socket_group` (the state dir then
 * lets that group through, 0710: state-dir-trust.ts). A leftover socket file is safe to remove
 * because the caller holds the instance lock: no other daemon of this state dir can be
 * listening on it.
 */
export async function listenControlSocket(
  path: string,
  ctx: ApiContext,
  socketGid: number | null = null,
): Promise<Server> {
  try {
    unlinkSync(path);
  } catch (err) {
    if (!isErrno(err, "ENOENT")) throw err;
  }
  const server = createServer(createApiHandler(ctx));
  await listenOwnerOnly(server, path);
  secureSocket(path, socketGid);
  return server;
}

/**
 * Binds with umask 0177, so the socket is 0600 from the instant it exists: no window in which
 * another user could connect before a chmod. Node binds a UNIX socket synchronously inside
 * listen() (the result comes later), so the umask is back before any other code of the daemon
 * runs. (A file another thread of libuv creates in that instant gets a stricter mode, never a
 * looser one.)
 */
async function listenOwnerOnly(server: Server, path: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    const previous = process.umask(0o177);
    try {
      server.listen(path, () => {
        server.off("error", reject);
        resolve();
      });
    } finally {
      process.umask(previous);
    }
  });
}

/**
 * Checks with lstat that `path` is the socket just made, ours, and sets its group and mode for
 * `socket_group`. The state dir is the daemon's own (nobody else can write in it), so nothing
 * can be swapped in between these steps; the checks prove it.
 */
function secureSocket(path: string, socketGid: number | null): void {
  const euid = process.geteuid?.() ?? 0;
  const made = lstatSync(path);
  if (!made.isSocket() || made.uid !== euid) {
    throw new UpkeepError(
      "STATE_DIR_UNUSABLE",
      `control socket ${path} is not the daemon's socket (found ${typeOf(made)} of uid ${made.uid})`,
      {
        hint: "Something replaced it right after it was made: check who can write to the state dir (ls -la of it and its parents).",
        details: { file: path, uid: made.uid },
      },
    );
  }
  const mode = socketGid === null ? OWNER_ONLY : OWNER_AND_GROUP;
  try {
    if (socketGid !== null && made.gid !== socketGid) lchownSync(path, euid, socketGid);
    if ((made.mode & 0o7777) !== mode) chmodSync(path, mode);
  } catch (err) {
    throw new UpkeepError(
      "STATE_DIR_UNUSABLE",
      `cannot give control socket ${path} to socket_group (gid ${socketGid})`,
      {
        hint: "Run the daemon as root, or as a member of that group, or remove socket_group from the config.",
        details: { file: path },
        cause: err,
      },
    );
  }
  const now = lstatSync(path);
  if (!now.isSocket() || now.ino !== made.ino || (now.mode & 0o7777) !== mode) {
    throw new UpkeepError("STATE_DIR_UNUSABLE", `control socket ${path} changed while its mode was set`, {
      hint: "Check who can write to the state dir (ls -la of it and its parents).",
      details: { file: path },
    });
  }
}
