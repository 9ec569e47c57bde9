/**
 * The notification outbox of the SQLite store (table notify_outbox, schema version 3). Its
 * statements are prepared once per connection: the store opens a new one after a rebuild.
 */
import type Database from "better-sqlite3";
import type { OutboxRecord, OutboxStore } from "../store.js";
import { RowDecodeError } from "./rows.js";

interface OutboxRow {
  id: string;
  host_id: string;
  channel: string;
  service: string | null;
  kind: string;
  created_at: number;
  attempts: number;
  next_at: number;
  last_error: string | null;
  message: string;
}

const COLUMNS = "id, host_id, channel, service, kind, created_at, attempts, next_at, last_error, message";

interface OutboxQueries {
  put: Database.Statement<[OutboxRow]>;
  list: Database.Statement<[{ host_id: string }], OutboxRow>;
  remove: Database.Statement<[{ host_id: string; id: string }]>;
  putAll: (rows: OutboxRow[]) => void;
}

function prepare(db: Database.Database): OutboxQueries {
  const put = db.prepare<[OutboxRow]>(
    `INSERT INTO notify_outbox (${COLUMNS})
     VALUES (@id, @host_id, @channel, @service, @kind, @created_at, @attempts, @next_at, @last_error, @message)
     ON CONFLICT (host_id, id) DO UPDATE SET
       attempts = excluded.attempts, next_at = excluded.next_at, last_error = excluded.last_error`,
  );
  return {
    put,
    list: db.prepare(`SELECT ${COLUMNS} FROM notify_outbox WHERE host_id = @host_id ORDER BY created_at, id`),
    remove: db.prepare("DELETE FROM notify_outbox WHERE host_id = @host_id AND id = @id"),
    putAll: db.transaction((rows: OutboxRow[]) => {
      for (const row of rows) put.run(row);
    }),
  };
}

function toRow(record: OutboxRecord): OutboxRow {
  return {
    id: record.id,
    host_id: record.hostId,
    channel: record.channel,
    service: record.service,
    kind: record.kind,
    created_at: record.createdAt,
    attempts: record.attempts,
    next_at: record.nextAt,
    last_error: record.lastError,
    message: JSON.stringify(record.message),
  };
}

function fromRow(row: OutboxRow): OutboxRecord {
  let message: unknown;
  try {
    message = JSON.parse(row.message);
  } catch {
    throw new RowDecodeError("notify_outbox", row.id, "message is not JSON");
  }
  if (typeof message !== "object" || message === null || Array.isArray(message))
    throw new RowDecodeError("notify_outbox", row.id, "message is not an object");
  return {
    id: row.id,
    hostId: row.host_id,
    channel: row.channel,
    service: row.service,
    kind: row.kind,
    createdAt: row.created_at,
    attempts: row.attempts,
    nextAt: row.next_at,
    lastError: row.last_error,
    message: message as Record<string, unknown>,
  };
}

/** The outbox on the store's current connection; `run` is the store's error translation. */
export class SqliteOutbox implements OutboxStore {
  #queries: { db: Database.Database; q: OutboxQueries } | null = null;

  constructor(
    private readonly db: () => Database.Database,
    private readonly hostId: string,
    private readonly run: <T>(action: string, work: () => T) => Promise<T>,
  ) {}

  #q(): OutboxQueries {
    const db = this.db();
    if (this.#queries?.db !== db) this.#queries = { db, q: prepare(db) };
    return this.#queries.q;
  }

  putOutbox(records: OutboxRecord[]): Promise<void> {
    return this.run(`write ${records.length} notifications to the outbox`, () => {
      this.#q().putAll(records.map((r) => toRow({ ...r, hostId: this.hostId })));
    });
  }

  listOutbox(): Promise<OutboxRecord[]> {
    return this.run("list the notification outbox", () =>
      this.#q().list.all({ host_id: this.hostId }).map(fromRow),
    );
  }

  deleteOutbox(id: string): Promise<void> {
    return this.run(`remove notification ${id} from the outbox`, () => {
      this.#q().remove.run({ host_id: this.hostId, id });
    });
  }
}
