/**
 * A tiny tmpfs that a test can fill to the last page (needs root to mount). tmpfs allocates
 * whole pages: a write into the unfilled rest of a file's last page succeeds on a full tmpfs,
 * one that needs a new page fails with ENOSPC.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { closeSync, ftruncateSync, fstatSync, openSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";

export const PAGE = 4096;

/** Mounts a tmpfs of `size` (as mount(8) takes it: "128k") on `dir`; null, or why it could not. */
export function mountTinyFs(dir: string, size: string): string | null {
  if (process.getuid?.() !== 0) return "needs root to mount a tiny tmpfs that can fill up";
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size},mode=0700`, "tmpfs", dir], { stdio: "pipe" });
    return null;
  } catch (err) {
    return `needs to mount a tiny tmpfs that can fill up, which failed: ${String(err)}`;
  }
}

/** Unmounts it (lazily: a process that still holds a file in it does not keep the test's dir busy). */
export function unmountTinyFs(dir: string): void {
  execFileSync("umount", ["-l", dir]);
}

/** A file filling the file system until writes fail with ENOSPC, and ways to give space back. */
export class Filler {
  readonly path: string;

  constructor(dir: string) {
    this.path = join(dir, "filler");
    const fd = openSync(this.path, "w");
    const block = Buffer.alloc(PAGE, 120);
    try {
      for (;;) writeSync(fd, block);
    } catch (err) {
      assert.equal((err as NodeJS.ErrnoException).code, "ENOSPC");
    } finally {
      closeSync(fd);
    }
  }

  /** Frees `pages` whole pages. */
  free(pages: number): void {
    const fd = openSync(this.path, "r+");
    try {
      ftruncateSync(fd, Math.max(0, fstatSync(fd).size - pages * PAGE));
    } finally {
      closeSync(fd);
    }
  }

  /** Frees all of it. */
  remove(): void {
    unlinkSync(this.path);
  }
}
