/**
 * The SQLite schema and its forward migrations. The version lives in the database header
 * (`PRAGMA user_version`); each migration runs in its own transaction together with the version
 * bump, so a crash mid-migration leaves the previous version intact. Migrations only go forward:
 * a file written by a newer upkeep is refused at open (see open.ts), never downgraded.
 */
import type Database from "better-sqlite3";

interface Migration {
  /** The schema version this migration produces. */
  version: number;
  sql: string;
}

// Each table carries host_id so a shared backend (PostgreSQL, later) can hold a fleet; here one
// file normally holds one host. JSON columns (attempts, argv, details) are TEXT.
// events.id is INTEGER PRIMARY KEY without AUTOINCREMENT: SQLite then picks max(id) + 1, which
// never reuses an id as long as the newest event is never deleted. pruneEvents keeps at least
// one event, so ids only grow; AUTOINCREMENT would cost ~10 µs per insert for the same promise.
// events has no index on service on purpose: it would double an insert's cost (~25 -> ~45 µs,
// one more WAL frame per commit), while a per-service listing scans at most the kept 100 000
// rows newest-first (~15 ms worst case) and followers read by id range, which is the key.
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE services (
        host_id        TEXT    NOT NULL,
        service        TEXT    NOT NULL,
        desired        TEXT    NOT NULL,
        state          TEXT    NOT NULL,
        reason         TEXT    NOT NULL,
        since          INTEGER NOT NULL,
        restarts       INTEGER NOT NULL,
        last_exit_code INTEGER,
        last_signal    TEXT,
        attempts       TEXT    NOT NULL,
        PRIMARY KEY (host_id, service)
      );
      CREATE TABLE processes (
        host_id    TEXT    NOT NULL,
        service    TEXT    NOT NULL,
        pid        INTEGER NOT NULL,
        start_time INTEGER NOT NULL,
        boot_id    TEXT    NOT NULL,
        argv       TEXT    NOT NULL,
        pgid       INTEGER NOT NULL,
        run_id     TEXT    NOT NULL,
        cgroup     TEXT,
        started_at INTEGER NOT NULL,
        PRIMARY KEY (host_id, service)
      );
      CREATE TABLE events (
        id         INTEGER PRIMARY KEY,
        host_id    TEXT    NOT NULL,
        ts         INTEGER NOT NULL,
        service    TEXT,
        kind       TEXT    NOT NULL,
        from_state TEXT,
        to_state   TEXT,
        reason     TEXT    NOT NULL,
        details    TEXT    NOT NULL
      );
    `,
  },
  {
    // The process-shaping config each process was started with (digests per key), so a daemon
    // that adopts it can tell that the config changed meanwhile. Older rows keep NULL: unknown.
    version: 2,
    sql: `ALTER TABLE processes ADD COLUMN shape TEXT;`,
  },
  {
    // Notifications waiting to be delivered, one row per message and channel: written before
    // the first try, deleted once delivered, so a daemon that dies sends what is left after it
    // (docs/notify.md, "Delivery"). next_at orders the retries.
    version: 3,
    sql: `
      CREATE TABLE notify_outbox (
        id         TEXT    NOT NULL,
        host_id    TEXT    NOT NULL,
        channel    TEXT    NOT NULL,
        service    TEXT,
        kind       TEXT    NOT NULL,
        created_at INTEGER NOT NULL,
        attempts   INTEGER NOT NULL,
        next_at    INTEGER NOT NULL,
        last_error TEXT,
        message    TEXT    NOT NULL,
        PRIMARY KEY (host_id, id)
      );
    `,
  },
  {
    // Incidents (docs/incidents.md): the listing's columns, and the evidence (output lines,
    // process tree, host snapshot) as one JSON document, at most ~64 KiB (incident-rows.ts).
    // Retention deletes by id and by age; a few hundred rows need no index beyond the key.
    // AUTOINCREMENT: age may delete every row, and an id an operator wrote down must never
    // name another incident later.
    version: 4,
    sql: `
      CREATE TABLE incidents (
        id       INTEGER PRIMARY KEY AUTOINCREMENT,
        host_id  TEXT    NOT NULL,
        ts       INTEGER NOT NULL,
        service  TEXT    NOT NULL,
        kind     TEXT    NOT NULL,
        summary  TEXT    NOT NULL,
        evidence TEXT    NOT NULL
      );
    `,
  },
];

/** The schema version this code writes and reads. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/** Reads the schema version recorded in the database header (0 for a new, empty file). */
export function readSchemaVersion(db: Database.Database): number {
  const version = db.pragma("user_version", { simple: true });
  return typeof version === "number" ? version : 0;
}

/** Applies every migration newer than the file's version, each in its own transaction. */
export function migrateSchema(db: Database.Database): void {
  for (const migration of MIGRATIONS) {
    // Re-read inside the loop: each step commits its own version bump.
    if (readSchemaVersion(db) >= migration.version) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      // user_version is part of the header page, so it commits or rolls back with the DDL.
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}
