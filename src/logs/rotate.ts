/**
 * Rotation of a service's captured output, one generation (index + both data files) at a time,
 * so that an index always describes exactly the data files beside it. The writer calls these
 * between two writes; it is single-threaded, so a renamed generation is complete and never
 * written again.
 */
import { renameSync, unlinkSync } from "node:fs";
import { isErrno } from "../core/errors.js";
import { generationFiles } from "./log-files.js";

const FILE_KINDS = ["idx", "out", "err"] as const;

/**
 * Shifts generation k to k+1 for k = keep-1 … 0; the old generation `keep` is overwritten by
 * the rename and so dropped. The index moves first: a reader that opens the data files and then
 * finds the index path unchanged knows the three belong together (generation.ts).
 */
export function shiftGenerations(logsDir: string, service: string, keep: number): void {
  for (let generation = keep - 1; generation >= 0; generation--) {
    const from = generationFiles(logsDir, service, generation);
    const to = generationFiles(logsDir, service, generation + 1);
    for (const kind of FILE_KINDS) renameIfExists(from[kind], to[kind]);
  }
}

/** Deletes rotated generations above `keep` (after `keep` was lowered); returns how many went. */
export function pruneGenerations(logsDir: string, service: string, keep: number): number {
  let removed = 0;
  // Generations are contiguous, so the first one missing ends the walk.
  for (let generation = Math.max(keep, 0) + 1; ; generation++) {
    const files = generationFiles(logsDir, service, generation);
    let found = false;
    for (const kind of FILE_KINDS) found = unlinkIfExists(files[kind]) || found;
    if (!found) return removed;
    removed++;
  }
}

function renameIfExists(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (err) {
    if (!isErrno(err, "ENOENT")) throw err; // ENOENT: this generation has no such file yet
  }
}

function unlinkIfExists(path: string): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch (err) {
    if (isErrno(err, "ENOENT")) return false; // already gone: nothing to prune
    throw err;
  }
}
