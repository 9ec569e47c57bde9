import { renameSync, rmSync, writeFileSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";

/**
 * Write a file others read (PID files, status dump, token) so that a reader never sees it
 * half-written: write a temp file beside it, then rename over the target.
 */
export function writeFileAtomic(path: string, data: string | Buffer, mode = 0o644): void {
  const temp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(temp, data, { mode });
    renameSync(temp, path);
  } catch (err) {
    // A full disk or a directory in the way: no half-written temp file is left beside it.
    rmSync(temp, { force: true });
    throw err;
  }
}

/** writeFileAtomic on libuv's threadpool: the file create does not block the event loop. */
export async function writeFileAtomicAsync(path: string, data: string | Buffer, mode = 0o644): Promise<void> {
  const temp = `${path}.tmp-${process.pid}`;
  await writeFile(temp, data, { mode });
  await rename(temp, path);
}
