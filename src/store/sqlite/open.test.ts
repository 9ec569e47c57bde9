import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { promisify } from "node:util";
import Database from "better-sqlite3";
import { UpkeepError } from "../../core/errors.js";
import type { ServiceRecord } from "../store.js";
import { openSqliteStore, sqliteStoreFile } from "./open.js";
import { SCHEMA_VERSION } from "./schema.js";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "upkeep-sqlite-open-"));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function service(name: string, hostId: string): ServiceRecord {
  return {
    hostId,
    service: name,
    desired: "up",
    state: "running",
    reason: "test",
    since: 1,
    restarts: 0,
    lastExitCode: null,
    lastSignal: null,
    attempts: [],
  };
}

function thrown(fn: () => unknown): UpkeepError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof UpkeepError, `expected an UpkeepError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected an error");
}

describe("openSqliteStore", () => {
  test("creates the state dir with mode 0700 and the file in WAL mode", async () => {
    const stateDir = join(tempDir(), "nested", "state");
    const store = openSqliteStore(stateDir, { hostId: "h" });
    await store.close();
    assert.equal(statSync(stateDir).mode & 0o777, 0o700);
    const db = new Database(sqliteStoreFile(stateDir), { readonly: true });
    assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
    assert.equal(db.pragma("user_version", { simple: true }), SCHEMA_VERSION);
    db.close();
  });

  test("a file of garbage bytes is reported as STORE_CORRUPT and left byte-identical", () => {
    const stateDir = tempDir();
    const file = sqliteStoreFile(stateDir);
    const garbage = Buffer.alloc(64 * 1024, "not a database, just bytes ");
    writeFileSync(file, garbage);
    const tables = ["services", "processes"] as const;
    for (const options of [{ readonly: false }, { readonly: true }, { readonly: true, tables }]) {
      const err = thrown(() => openSqliteStore(stateDir, { hostId: "h", ...options }));
      assert.equal(err.code, "STORE_CORRUPT");
      assert.match(err.message, new RegExp(`state store ${file} is corrupt: file is not a database`));
      assert.match(err.hint ?? "", /mv "\$f" "\$f\.corrupt-\d{8}T\d{6}"/);
      assert.match(err.hint ?? "", /mv "\$f" "\$f\.corrupt-/);
      assert.equal(err.details.file, file);
    }
    assert.deepEqual(readFileSync(file), garbage);
    assert.deepEqual(readdirSync(stateDir), ["state.db"]);
  });

  test("a database with damaged pages is reported as STORE_CORRUPT and left byte-identical", async () => {
    const stateDir = tempDir();
    const file = sqliteStoreFile(stateDir);
    const store = openSqliteStore(stateDir, { hostId: "h" });
    for (let i = 0; i < 300; i += 1) await store.putService(service(`svc-${i}-${"x".repeat(200)}`, "h"));
    await store.close();
    // Keep the 100-byte header valid (so SQLite accepts the file) and smash page 2 onwards.
    const bytes = readFileSync(file);
    const pageSize = bytes.readUInt16BE(16);
    bytes.fill(0xa5, pageSize, pageSize * 3);
    writeFileSync(file, bytes);
    const err = thrown(() => openSqliteStore(stateDir, { hostId: "h" }));
    assert.equal(err.code, "STORE_CORRUPT");
    assert.match(err.message, /is corrupt: /);
    // A reader of only the services table finds the damage too: it is in that table's pages.
    const scoped = thrown(() =>
      openSqliteStore(stateDir, { hostId: "h", readonly: true, tables: ["services"] }),
    );
    assert.equal(scoped.code, "STORE_CORRUPT");
    assert.deepEqual(readFileSync(file), bytes);
  });

  test("a readonly open of a missing store fails with STATE_DIR_UNUSABLE and creates nothing", () => {
    const parent = tempDir();
    const stateDir = join(parent, "state");
    const err = thrown(() => openSqliteStore(stateDir, { readonly: true }));
    assert.equal(err.code, "STATE_DIR_UNUSABLE");
    assert.equal(err.message, `state store ${join(stateDir, "state.db")} does not exist`);
    assert.match(err.hint ?? "", /upkeep daemon/);
    assert.equal(existsSync(stateDir), false);
    assert.deepEqual(readdirSync(parent), []);
  });

  test("a store written by a newer schema version is refused, naming both versions", async () => {
    const stateDir = tempDir();
    const file = sqliteStoreFile(stateDir);
    await openSqliteStore(stateDir, { hostId: "h" }).close();
    const raw = new Database(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 7}`);
    raw.close();
    const before = readFileSync(file);
    const tables = ["services", "processes"] as const;
    for (const options of [{ readonly: false }, { readonly: true }, { readonly: true, tables }]) {
      const err = thrown(() => openSqliteStore(stateDir, { hostId: "h", ...options }));
      assert.equal(err.code, "STORE_CORRUPT");
      assert.match(
        err.message,
        new RegExp(`schema version ${SCHEMA_VERSION + 7}, newer .* \\(up to ${SCHEMA_VERSION}\\)`),
      );
    }
    assert.deepEqual(readFileSync(file), before);
  });

  test("a version-1 store is migrated on a writer's open: its process rows read back with shape null", async () => {
    const stateDir = tempDir();
    const file = sqliteStoreFile(stateDir);
    await openSqliteStore(stateDir, { hostId: "h" }).close();
    // Rebuild the file as version 1 wrote it: the processes table without the shape column.
    const raw = new Database(file);
    raw.exec("DROP TABLE incidents"); // version 3
    raw.exec("DROP TABLE processes");
    raw.exec("DROP TABLE notify_outbox"); // added by version 3
    raw.exec(
      "CREATE TABLE processes (host_id TEXT NOT NULL, service TEXT NOT NULL, pid INTEGER NOT NULL, " +
        "start_time INTEGER NOT NULL, boot_id TEXT NOT NULL, argv TEXT NOT NULL, pgid INTEGER NOT NULL, " +
        "run_id TEXT NOT NULL, cgroup TEXT, started_at INTEGER NOT NULL, PRIMARY KEY (host_id, service))",
    );
    raw.exec(`INSERT INTO processes VALUES ('h', 'web', 42, 7, 'boot', '["web"]', 42, 'run', NULL, 1)`);
    raw.pragma("user_version = 1");
    raw.close();
    // A reader must not write: it asks for the daemon to upgrade the store first.
    assert.equal(
      thrown(() => openSqliteStore(stateDir, { hostId: "h", readonly: true })).code,
      "STATE_DIR_UNUSABLE",
    );
    const store = openSqliteStore(stateDir, { hostId: "h" });
    try {
      const record = await store.getProcess("web");
      assert.ok(record !== null);
      assert.equal(record.pid, 42);
      assert.equal(record.shape, null);
      await store.putProcess({ ...record, shape: { command: "00" } });
      assert.deepEqual((await store.getProcess("web"))?.shape, { command: "00" });
    } finally {
      await store.close();
    }
    const check = new Database(file, { readonly: true });
    assert.equal(check.pragma("user_version", { simple: true }), SCHEMA_VERSION);
    check.close();
  });

  test("a readonly store refuses writes with a clear error", async () => {
    const stateDir = tempDir();
    await openSqliteStore(stateDir, { hostId: "h" }).close();
    const reader = openSqliteStore(stateDir, { hostId: "h", readonly: true });
    await assert.rejects(reader.putService(service("web", "h")), (err: UpkeepError) => {
      assert.equal(err.code, "INTERNAL");
      assert.match(err.message, /cannot write service web: .* was opened read-only/);
      return true;
    });
    await reader.close();
  });

  test("a reader in the same process sees the writer's commits while both are open", async () => {
    const stateDir = tempDir();
    const writer = openSqliteStore(stateDir, { hostId: "h" });
    const reader = openSqliteStore(stateDir, { hostId: "h", readonly: true });
    await writer.putService(service("web", "h"));
    assert.deepEqual(await reader.getService("web"), service("web", "h"));
    const written = await writer.appendEvent({ ts: 5, service: "web", kind: "spawn", reason: "spawned" });
    assert.deepEqual(await reader.listEvents({ afterId: written.id - 1 }), [written]);
    await reader.close();
    await writer.close();
  });

  test("a reader in another process sees the writer's commits while the writer holds the file open", async () => {
    const stateDir = tempDir();
    const writer = openSqliteStore(stateDir, { hostId: "h" });
    await writer.putService(service("web@a", "h"));
    await writer.appendEvent({ ts: 5, service: "web@a", kind: "spawn", reason: "marker-cross-process" });
    const openModule = new URL("./open.js", import.meta.url).href;
    const script = `
      const { openSqliteStore } = await import(${JSON.stringify(openModule)});
      const store = openSqliteStore(process.argv[1], { hostId: "h", readonly: true });
      const out = { services: await store.listServices(), events: await store.listEvents({ service: "web@" }) };
      await store.close();
      process.stdout.write(JSON.stringify(out));`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--input-type=module", "-e", script, stateDir],
      {
        timeout: 20_000,
      },
    );
    const seen = JSON.parse(stdout) as { services: ServiceRecord[]; events: { reason: string }[] };
    assert.deepEqual(seen.services, [service("web@a", "h")]);
    assert.deepEqual(
      seen.events.map((e) => e.reason),
      ["marker-cross-process"],
    );
    // The writer is still usable after the reader came and went.
    await writer.putService(service("web@b", "h"));
    assert.equal((await writer.listServices()).length, 2);
    await writer.close();
  });
});
