import { renameSync, writeFileSync } from "node:fs";

/**
 * Write a file others read (PID files, status dump, token) so that a reader never sees it
 * half-written: write a temp file beside it, then rename over the target.
 */
export function writeFileAtomic(path: string, data: string | Buffer, mode = 0o644): void {
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, data, { mode });
  renameSync(temp, path);
}
