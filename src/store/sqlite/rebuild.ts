/**
 * Making the store whole again after its file or WAL was deleted under the daemon. The
 * daemon's connection still reads the complete database through the descriptors it holds, so
 * VACUUM INTO writes a full copy beside the path (events included), the old connection is
 * closed, and the copy is renamed into place: nothing is lost. One VACUUM, a fraction of a
 * second for the 100 000 events kept at most; it happens once per loss.
 */
import { renameSync, rmSync } from "node:fs";
import type Database from "better-sqlite3";

/**
 * Writes the database `db` reads to `file` anew and closes `db`; the caller opens the returned
 * path: `file`, or the copy beside it when it could not be put at `file` (`problem` says why;
 * the daemon then goes on writing somewhere whole). Throws, with `db` still open, when not
 * even the copy can be written.
 */
export function rebuildStoreFile(
  db: Database.Database,
  file: string,
): { path: string; problem: string | null } {
  const copy = `${file}.rebuilt-${process.pid}`;
  rmSync(copy, { force: true });
  db.prepare("VACUUM INTO ?").run(copy);
  db.close();
  try {
    // What is left at the WAL's and shared memory's paths would be replayed into the copy.
    for (const suffix of ["-wal", "-shm"]) rmSync(`${file}${suffix}`, { force: true });
    renameSync(copy, file);
    return { path: file, problem: null };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { path: copy, problem: `the copy could not be put in its place (${why}); it is at ${copy}` };
  }
}
