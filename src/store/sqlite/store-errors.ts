/**
 * Turns what SQLite reports into upkeep's error codes, each with the fix. A corrupt store is
 * reported with the exact commands to move it aside, never reset: the file is the only record of
 * which PIDs belong to which service, and deleting it would make live services look unknown.
 */
import { dirname, basename } from "node:path";
import { UpkeepError, errnoOf } from "../../core/errors.js";

/** The error for a store that cannot be read as a database; the file is left untouched. */
export function storeCorruptError(file: string, sqliteMessage: string, cause?: unknown): UpkeepError {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").slice(0, 15); // 20250131T120000
  const name = basename(file);
  // The -wal and -shm files belong to the database: leaving an old WAL beside a new state.db
  // would replay foreign pages into it, so they move (or go) together.
  const move =
    `cd ${dirname(file)} && for f in ${name} ${name}-wal ${name}-shm; do ` +
    `if [ -e "$f" ]; then mv "$f" "$f.corrupt-${stamp}"; fi; done`;
  return new UpkeepError("STORE_CORRUPT", `state store ${file} is corrupt: ${sqliteMessage}`, {
    hint:
      `stop upkeep, move it aside and start again: ${move} ` +
      `(upkeep will then treat every running service as unknown)`,
    details: { file },
    cause,
  });
}

/** The error for a store written by a newer upkeep, whose schema this code does not know. */
export function storeTooNewError(file: string, found: number, known: number): UpkeepError {
  return new UpkeepError(
    "STORE_CORRUPT",
    `state store ${file} has schema version ${found}, newer than this upkeep knows (up to ${known})`,
    {
      hint: `run the upkeep release that wrote ${file} (or a newer one); this release cannot read it and will not downgrade it`,
      details: { file, expected: `schema version <= ${known}`, got: String(found) },
    },
  );
}

/**
 * Maps an error thrown by better-sqlite3 while doing `action` to an UpkeepError. Errors that
 * already are UpkeepErrors pass through; anything unexpected becomes INTERNAL with its cause.
 */
export function translateStoreError(
  err: unknown,
  file: string,
  action: string,
  readOnly: boolean,
): UpkeepError {
  if (err instanceof UpkeepError) return err;
  const code = errnoOf(err) ?? "";
  const message = err instanceof Error ? err.message : String(err);
  const details = { file, errno: code || undefined };
  if (code.startsWith("SQLITE_CORRUPT") || code === "SQLITE_NOTADB")
    return storeCorruptError(file, message, err);
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
    return new UpkeepError("STORE_LOCKED", `cannot ${action}: state store ${file} is locked: ${message}`, {
      hint: `another process held a lock on ${file} for over 5 s; find it with: fuser -v ${file}*`,
      details,
      cause: err,
    });
  }
  if (code.startsWith("SQLITE_READONLY") && readOnly) {
    return new UpkeepError("INTERNAL", `cannot ${action}: state store ${file} was opened read-only`, {
      details,
      cause: err,
    });
  }
  if (
    code.startsWith("SQLITE_READONLY") ||
    code.startsWith("SQLITE_CANTOPEN") ||
    code.startsWith("SQLITE_IOERR") ||
    code === "SQLITE_PERM" ||
    code === "SQLITE_FULL"
  ) {
    return new UpkeepError("STATE_DIR_UNUSABLE", `cannot ${action}: state store ${file}: ${message}`, {
      hint:
        code === "SQLITE_FULL"
          ? `free space on the file system holding ${dirname(file)}`
          : `make ${dirname(file)} and the state.db* files in it readable and writable by the user running upkeep (ls -l ${dirname(file)})`,
      details,
      cause: err,
    });
  }
  if (err instanceof TypeError && /database connection is not open/.test(message)) {
    return new UpkeepError("INTERNAL", `cannot ${action}: state store ${file} is closed`, {
      details,
      cause: err,
    });
  }
  return new UpkeepError("INTERNAL", `cannot ${action}: state store ${file}: ${message}`, {
    details,
    cause: err,
  });
}
