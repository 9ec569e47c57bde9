/**
 * Making the log FIFOs (fifo.ts reads them). With the native addon, mknod(2) in the daemon:
 * one call for a FIFO added at run time, and at start-up one batch in libuv's threadpool for
 * every missing FIFO (native/fifo.c), so the loop thread is free while the inodes are made.
 * Without it, the coreutils `mkfifo` program: Node has no mkfifo(3) binding.
 */
import { execFile, execFileSync } from "node:child_process";
import { lstatSync } from "node:fs";
import { constants as osConstants } from "node:os";
import { promisify } from "node:util";
import { UpkeepError, isErrno } from "../core/errors.js";
import { native, nativeError, type NativeAddon } from "../core/native.js";
import { typeOf } from "../core/open-own-file.js";
import { forEachLimited } from "../core/parallel.js";

/** Creates the FIFO at `path` (mode 0600) unless a FIFO is already there. */
export function ensureFifo(path: string): void {
  try {
    const stat = lstatSync(path);
    if (stat.isFIFO()) return;
    const found = typeOf(stat);
    const what = stat.isSymbolicLink()
      ? "a symlink: upkeep never follows symlinks in its state dir"
      : `not a FIFO (found ${found})`;
    throw new UpkeepError("STATE_DIR_UNUSABLE", `log FIFO ${path} is ${what}`, {
      hint: `Remove ${path} (upkeep recreates it), or move the state dir elsewhere.`,
      details: { file: path, expected: "a FIFO", got: found },
    });
  } catch (err) {
    if (!isErrno(err, "ENOENT")) throw err;
  }
  try {
    if (fifoMaker) {
      fifoMaker.mkfifo(path, FIFO_MODE);
      return ensureFifo(path); // made, or something appeared meanwhile: said what it is
    }
    // Without the addon Node has no mkfifo(3) binding: the coreutils program it is, once per
    // FIFO for the life of the state dir, not per start.
    execFileSync("mkfifo", ["-m", "600", path], { stdio: ["ignore", "ignore", "pipe"] });
  } catch (err) {
    if (err instanceof UpkeepError) throw err;
    throw new UpkeepError(
      "STATE_DIR_UNUSABLE",
      `cannot create log FIFO ${path}: ${fifoMaker ? nativeError(err).message : "mkfifo failed"}`,
      {
        hint: "Check that the state dir is writable and that the `mkfifo` program (coreutils) is installed.",
        details: { file: path },
        cause: err,
      },
    );
  }
}

/** Log FIFOs are the daemon's alone: read and write for its user, nothing for others. */
const FIFO_MODE = 0o600;

/**
 * The addon's mknod (native/fifo.c), or null: without the addon, or with an addon built before
 * it had mkfifo, the `mkfifo` program makes the FIFOs.
 */
const fifoMaker: Pick<NativeAddon, "mkfifo" | "mkfifos"> | null =
  typeof native?.mkfifo === "function" && typeof native.mkfifos === "function" ? native : null;

/** mknod of every path in the addon's threadpool work; rejects naming the first path that failed. */
function makeFifosNatively(maker: Pick<NativeAddon, "mkfifos">, paths: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    maker.mkfifos(paths, FIFO_MODE, (errnos) => {
      const failed = errnos.findIndex((errno) => errno !== 0 && errno !== osConstants.errno.EEXIST);
      if (failed < 0) return resolve();
      const path = paths[failed] ?? "?";
      const error = errnoError(errnos[failed] ?? 0, path);
      reject(
        new UpkeepError("STATE_DIR_UNUSABLE", `cannot create log FIFO ${path}: ${error.message}`, {
          hint: "Check that the state dir is writable by the daemon's user and its file system is not full.",
          details: { file: path },
          cause: error,
        }),
      );
    });
  });
}

/** An error like Node's own for mknod's `errno` at `path`. */
function errnoError(errno: number, path: string): NodeJS.ErrnoException {
  const name = Object.entries(osConstants.errno).find(([, n]) => n === errno)?.[0] ?? String(errno);
  const error: NodeJS.ErrnoException = new Error(`mknod ${path} ${name}`);
  error.code = name;
  error.errno = -errno;
  error.syscall = "mknod";
  error.path = path;
  return error;
}

/** How many paths one mkfifo call takes: far below the kernel's argument-size limit. */
const FIFOS_PER_CALL = 256;

/** mkfifo programs run at once: the other core and the disk's wait overlap with the daemon. */
const FIFO_CALLS_IN_FLIGHT = 4;

/**
 * Creates every missing FIFO of `paths` with a few mkfifo runs side by side: at the first start
 * of a state dir with a thousand services, one program run per FIFO would cost seconds.
 */
export async function ensureFifos(paths: readonly string[]): Promise<void> {
  // mknod of a path already taken is EEXIST, checked below: no look beforehand on the loop
  // thread, where each lookup would wait for the creates the threadpool makes in that folder.
  if (fifoMaker) {
    if (paths.length > 0) await makeFifosNatively(fifoMaker, paths);
  } else {
    const missing = paths.filter((path) => {
      try {
        lstatSync(path);
        return false;
      } catch (err) {
        if (isErrno(err, "ENOENT")) return true;
        throw err;
      }
    });
    await makeFifosWithPrograms(missing);
  }
  // Anything at those paths must be a FIFO now; ensureFifo says clearly what is not.
  for (const path of paths) ensureFifo(path);
}

/** Without the addon: a few mkfifo programs side by side, each given many paths. */
async function makeFifosWithPrograms(missing: readonly string[]): Promise<void> {
  const batches: string[][] = [];
  const size = Math.min(FIFOS_PER_CALL, Math.ceil(missing.length / FIFO_CALLS_IN_FLIGHT));
  for (let i = 0; i < missing.length; i += size) batches.push(missing.slice(i, i + size));
  const run = promisify(execFile);
  await forEachLimited(batches, FIFO_CALLS_IN_FLIGHT, async (batch) => {
    try {
      await run("mkfifo", ["-m", "600", "--", ...batch]);
    } catch (err) {
      throw new UpkeepError("STATE_DIR_UNUSABLE", `cannot create log FIFOs in ${batch[0] ?? "?"}'s folder`, {
        hint: "Check that the state dir is writable and that the `mkfifo` program (coreutils) is installed.",
        details: { file: batch[0] },
        cause: err,
      });
    }
  });
}
