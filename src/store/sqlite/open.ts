/**
 * Opens `<stateDir>/state.db`. An existing file is first checked through a read-only connection
 * (which can neither write the file nor checkpoint into it), so a corrupt store or one from a
 * newer upkeep is reported and left byte-identical. Only then does the writer open it in WAL mode,
 * which lets the CLI read while the daemon writes.
 */
import { existsSync, mkdirSync, statSync } from "node:fs";
import { readHostId } from "../../core/host-id.js";
import { join } from "node:path";
import Database from "better-sqlite3";
import { loadSqliteBinding } from "./binding.js";
import { UpkeepError } from "../../core/errors.js";
import type { IncidentRetention } from "../incident-record.js";
import { prepareQueries } from "./queries.js";
import { SCHEMA_VERSION, migrateSchema, readSchemaVersion } from "./schema.js";
import { SqliteStore } from "./sqlite-store.js";
import { storeCorruptError, storeTooNewError, translateStoreError } from "./store-errors.js";

export { SqliteStore, DEFAULT_EVENTS_KEPT } from "./sqlite-store.js";
import { DEFAULT_EVENTS_KEPT } from "./sqlite-store.js";

export interface OpenSqliteStoreOptions {
  /** Host id stamped on every record; default /etc/machine-id, else the host name. */
  hostId?: string;
  /** Open an existing store for reading only (upkeep check with the daemon down). */
  readonly?: boolean;
  /**
   * Tables the reader will use: only these are checked on open (a check of the whole file
   * reads every event page, 0.4 s with 120 000 events, too much for `check` every 10 s).
   */
  tables?: readonly ("services" | "processes" | "events" | "incidents")[];
  /** How many of the newest events a writer keeps (`events_kept`); pruned at open and as events come. */
  eventsKept?: number;
  /** How many incidents a writer keeps and for how long (`incidents:`); pruned at open and with each. */
  incidentRetention?: IncidentRetention;
}

/** The store file inside a state dir. */
export function sqliteStoreFile(stateDir: string): string {
  return join(stateDir, "state.db");
}

// A writer holding the lock longer than this is a fault, not load: then STORE_LOCKED.
const BUSY_TIMEOUT_MS = 5000;
// After a checkpoint, truncate the WAL back to this size so one burst does not keep a big file.
const WAL_SIZE_LIMIT_BYTES = 16 * 1024 * 1024;

/** Opens (creating in write mode) the SQLite state store of `stateDir`. */
export function openSqliteStore(stateDir: string, options: OpenSqliteStoreOptions = {}): SqliteStore {
  const file = sqliteStoreFile(stateDir);
  const hostId = options.hostId ?? readHostId();
  if (hostId === "") {
    throw new UpkeepError("INTERNAL", `cannot open state store ${file}: the host id is empty`, {
      details: { file },
    });
  }
  const readOnly = options.readonly === true;
  const exists = existsSync(file);
  if (readOnly && !exists) {
    throw new UpkeepError("STATE_DIR_UNUSABLE", `state store ${file} does not exist`, {
      hint: `start the daemon once with this state dir (upkeep daemon) so it creates the store, or point --state-dir at the right folder`,
      details: { file },
    });
  }
  if (!readOnly) ensureStateDir(stateDir, file);

  let db: Database.Database | undefined;
  try {
    if (readOnly) {
      db = new Database(file, {
        readonly: true,
        fileMustExist: true,
        timeout: BUSY_TIMEOUT_MS,
        nativeBinding: loadSqliteBinding(),
      });
      requireVersion(file, inspect(db, file, options.tables), "read");
    } else {
      if (exists && statSync(file).size > 0) requireVersion(file, inspectReadOnly(file), "write");
      db = new Database(file, { timeout: BUSY_TIMEOUT_MS, nativeBinding: loadSqliteBinding() });
      configureWriter(db, file);
      migrateSchema(db);
    }
    const reopen = (path: string): Database.Database => {
      const fresh = new Database(path, { timeout: BUSY_TIMEOUT_MS, nativeBinding: loadSqliteBinding() });
      configureWriter(fresh, path);
      return fresh;
    };
    const eventsKept = options.eventsKept ?? DEFAULT_EVENTS_KEPT;
    const store = new SqliteStore(db, prepareQueries(db), {
      file,
      hostId,
      readOnly,
      eventsKept,
      ...(options.incidentRetention ? { incidentRetention: options.incidentRetention } : {}),
      ...(readOnly ? {} : { reopen }),
    });
    // A store of an earlier run may hold more (a lowered events_kept, an older upkeep).
    if (!readOnly) {
      store.pruneEvents().catch((err: unknown) => {
        // Not fatal: the next prune (every tenth of events_kept inserts) tries again.
        console.error(`upkeep: state store: could not prune events at open: ${String(err)}`);
      });
      store.pruneIncidents().catch((err: unknown) => {
        // Not fatal: the next incident applies the retention again.
        console.error(`upkeep: state store: could not prune incidents at open: ${String(err)}`);
      });
    }
    return store;
  } catch (err) {
    if (db?.open) db.close();
    throw translateStoreError(err, file, "open the state store", readOnly);
  }
}

function ensureStateDir(stateDir: string, file: string): void {
  try {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new UpkeepError(
      "STATE_DIR_UNUSABLE",
      `cannot create state dir ${stateDir} for ${file}: ${String(err)}`,
      {
        hint: `create it yourself (mkdir -m 700 -p ${stateDir}) or choose another --state-dir`,
        details: { file: stateDir },
        cause: err,
      },
    );
  }
}

// Checks an existing file through a connection that cannot write it; returns its schema version.
function inspectReadOnly(file: string): number {
  const probe = new Database(file, {
    readonly: true,
    fileMustExist: true,
    timeout: BUSY_TIMEOUT_MS,
    nativeBinding: loadSqliteBinding(),
  });
  try {
    return inspect(probe, file);
  } finally {
    probe.close();
  }
}

// quick_check reads every page (skipping index-vs-table cross checks) in well under a second for
// 100 000 events. A file that is not a database at all throws SQLITE_NOTADB here instead.
function inspect(db: Database.Database, file: string, tables?: readonly string[]): number {
  // A table-scoped quick_check still reads the schema, so a file that is not a database fails too.
  for (const scope of tables ?? ["5"]) {
    const problems = (db.pragma(`quick_check(${scope})`) as { quick_check: string }[]).map(
      (row) => row.quick_check,
    );
    if (problems.length !== 1 || problems[0] !== "ok") throw storeCorruptError(file, problems.join("; "));
  }
  return readSchemaVersion(db);
}

function requireVersion(file: string, version: number, mode: "read" | "write"): void {
  if (version > SCHEMA_VERSION) throw storeTooNewError(file, version, SCHEMA_VERSION);
  // A writer migrates older files forward; a reader must not write, so it cannot.
  if (mode === "read" && version < SCHEMA_VERSION) {
    throw new UpkeepError(
      "STATE_DIR_UNUSABLE",
      `state store ${file} has schema version ${version}; this upkeep reads version ${SCHEMA_VERSION}`,
      {
        hint: `start the daemon once (upkeep daemon) so it upgrades the store, then read it again`,
        details: { file, expected: String(SCHEMA_VERSION), got: String(version) },
      },
    );
  }
}

/** The page cache of the daemon's connection, in KiB. */
const PAGE_CACHE_KIB = 2048;

function configureWriter(db: Database.Database, file: string): void {
  const mode = db.pragma("journal_mode = WAL", { simple: true });
  if (mode !== "wal") {
    throw new UpkeepError(
      "STATE_DIR_UNUSABLE",
      `state store ${file} cannot use WAL mode (got "${String(mode)}")`,
      {
        hint: `keep the state dir on a local file system (WAL needs shared memory; network file systems lack it)`,
        details: { file },
      },
    );
  }
  // NORMAL in WAL mode: a commit survives a crash of upkeep; a power cut may lose the last
  // commits but never corrupts the file. FULL would fsync every event.
  db.pragma("synchronous = NORMAL");
  db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
  // better-sqlite3 builds SQLite with a 16 MiB page cache, which the growing event table
  // fills over a few hours of restarts: resident memory of the daemon that no query needs
  // (the daemon reads its small tables and the newest events). SQLite's own default, 2 MiB.
  db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
}
