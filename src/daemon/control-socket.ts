import { chmodSync, unlinkSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { isErrno } from "../core/errors.js";
import { createApiHandler, type ApiContext } from "../api/app.js";

/**
 * The CLI's way in: the API over `<state_dir>/upkeep.sock`, mode 0600 (owner only). Its mode is
 * its authentication. A leftover socket file is safe to remove because the caller holds the
 * instance lock: no other daemon of this state dir can be listening on it.
 */
export async function listenControlSocket(path: string, ctx: ApiContext): Promise<Server> {
  try {
    unlinkSync(path);
  } catch (err) {
    if (!isErrno(err, "ENOENT")) throw err;
  }
  const server = createServer(createApiHandler(ctx));
  // Bind with a restrictive umask-like step: chmod right after listen, before the path is
  // announced; the state dir itself is 0700, so nobody else can reach it in between.
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => {
      server.off("error", reject);
      resolve();
    });
  });
  chmodSync(path, 0o600);
  return server;
}
