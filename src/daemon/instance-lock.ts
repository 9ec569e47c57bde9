import { createHash } from "node:crypto";
import { createConnection, createServer, type Server } from "node:net";
import { errnoOf, UpkeepError } from "../core/errors.js";

/**
 * One daemon per state dir (SPEC §6). Node has no flock, so the lock is a UNIX socket in
 * Linux's abstract namespace, named from a hash of the state dir: only one process can bind
 * it, and the kernel frees it the instant the holder dies (even by SIGKILL), leaving nothing
 * stale behind. The holder answers each connection with its PID, which is how a second
 * daemon can say who holds the lock. (Abstract sockets are per network namespace.)
 */
export function lockName(stateDir: string): string {
  const hash = createHash("sha256").update(stateDir).digest("hex").slice(0, 32);
  return `\0upkeep-lock-${hash}`;
}

/** Take the lock, or throw DAEMON_ALREADY_RUNNING naming the holder's PID. */
export async function acquireInstanceLock(stateDir: string): Promise<Server> {
  const name = lockName(stateDir);
  const server = createServer((socket) => {
    socket.end(String(process.pid));
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(name, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (err) {
    if (errnoOf(err) !== "EADDRINUSE") throw err;
    const pid = await askHolderPid(name);
    throw new UpkeepError(
      "DAEMON_ALREADY_RUNNING",
      `upkeep daemon already running (PID ${pid ?? "unknown"}) for state dir ${stateDir}`,
      {
        hint: `talk to it with \`upkeep status\`, or stop it first with \`upkeep shutdown\``,
        details: { pid: pid ?? undefined, stateDir },
      },
    );
  }
  server.unref();
  return server;
}

/** The PID of the daemon holding the state dir's lock, or null when none does. */
export function lockHolderPid(stateDir: string): Promise<number | null> {
  return askHolderPid(lockName(stateDir));
}

function askHolderPid(name: string): Promise<number | null> {
  return new Promise((resolve) => {
    let text = "";
    const socket = createConnection(name);
    socket.setTimeout(2_000, () => socket.destroy());
    socket.on("data", (chunk: Buffer) => (text += chunk.toString()));
    socket.on("close", () => resolve(/^\d+$/.test(text) ? Number(text) : null));
    socket.on("error", () => resolve(null));
  });
}
