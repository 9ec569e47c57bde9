import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import Database from "better-sqlite3";
import type { UpkeepError } from "../../core/errors.js";
import { openSqliteStore, sqliteStoreFile } from "./open.js";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "upkeep-sqlite-store-"));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("SqliteStore", () => {
  test("pruneEvents keeps the newest events, and later ids never repeat", async () => {
    const store = openSqliteStore(tempDir(), { hostId: "h" });
    for (let i = 1; i <= 10; i += 1)
      await store.appendEvent({ ts: i, service: "web", kind: "state", reason: `e${i}` });
    assert.equal(await store.pruneEvents(3), 7);
    assert.deepEqual(
      (await store.listEvents({})).map((e) => e.reason),
      ["e8", "e9", "e10"],
    );
    assert.equal(await store.pruneEvents(3), 0);
    // keep 0 still keeps the newest, so the next id continues after it instead of restarting.
    const newest = (await store.listEvents({ limit: 1 }))[0]!;
    assert.equal(await store.pruneEvents(0), 2);
    const next = await store.appendEvent({ ts: 11, service: null, kind: "daemon", reason: "e11" });
    assert.equal(next.id, newest.id + 1);
    await assert.rejects(store.pruneEvents(-1), { code: "INTERNAL" });
    await store.close();
  });

  test("appending prunes by count as it goes: never more than a tenth above eventsKept", async () => {
    const dir = tempDir();
    const store = openSqliteStore(dir, { hostId: "h", eventsKept: 50 });
    let most = 0;
    for (let i = 1; i <= 500; i += 1) {
      await store.appendEvent({ ts: i, service: "web", kind: "state", reason: `e${i}` });
      most = Math.max(most, (await store.listEvents({})).length);
    }
    assert.ok(most <= 55, `the table held ${most} events`);
    const kept = await store.listEvents({});
    assert.equal(kept.at(-1)!.reason, "e500", "the newest is always kept");
    assert.ok(kept.length >= 50, `only ${kept.length} kept`);
    await store.close();
    // Opened again with fewer kept: pruned at once.
    const again = openSqliteStore(dir, { hostId: "h", eventsKept: 10 });
    assert.deepEqual(
      (await again.listEvents({})).map((e) => e.reason),
      Array.from({ length: 10 }, (_, i) => `e${491 + i}`),
    );
    await again.close();
  });

  // Its cost is measured by the bench (docs/benchmarks.md), not here: a timed unit test fails on
  // a busy machine.
  test("3000 appended events are all kept and listed by service", async () => {
    const store = openSqliteStore(tempDir(), { hostId: "h" });
    const count = 3000;
    for (let i = 0; i < count; i += 1) {
      await store.appendEvent({
        ts: i,
        service: `svc-${i % 1000}`,
        kind: "state",
        from: "starting",
        to: "running",
        reason: "ready",
        details: { pid: i },
      });
    }
    assert.equal((await store.listEvents({ service: "svc-7" })).length, 3);
    await store.close();
  });

  test("a row that does not decode is reported as STORE_CORRUPT naming the row", async () => {
    const stateDir = tempDir();
    const store = openSqliteStore(stateDir, { hostId: "h" });
    await store.appendEvent({ ts: 1, service: "web", kind: "state", reason: "fine" });
    const raw = new Database(sqliteStoreFile(stateDir));
    raw.prepare("UPDATE events SET details = '{broken' WHERE reason = 'fine'").run();
    raw.close();
    await assert.rejects(store.listEvents({}), (err: UpkeepError) => {
      assert.equal(err.code, "STORE_CORRUPT");
      assert.match(err.message, /events row #\d+: column details is not valid JSON/);
      return true;
    });
    await store.close();
  });

  test("an empty state.db is initialised, and an existing store keeps its records on reopen", async () => {
    const stateDir = tempDir();
    writeFileSync(sqliteStoreFile(stateDir), "");
    const first = openSqliteStore(stateDir, { hostId: "h" });
    await first.appendEvent({ ts: 1, service: null, kind: "daemon", reason: "kept" });
    await first.close();
    const second = openSqliteStore(stateDir, { hostId: "h" });
    assert.deepEqual(
      (await second.listEvents({})).map((e) => e.reason),
      ["kept"],
    );
    assert.deepEqual(await second.listHostIds(), ["h"]);
    await second.close();
    await second.close(); // a second close is harmless
    await assert.rejects(second.listServices(), (err: UpkeepError) => {
      assert.equal(err.code, "INTERNAL");
      assert.match(err.message, /is closed/);
      return true;
    });
  });

  test("listEvents rejects a negative or fractional limit instead of guessing", async () => {
    const store = openSqliteStore(tempDir(), { hostId: "h" });
    await assert.rejects(store.listEvents({ limit: -1 }), { code: "INTERNAL" });
    await assert.rejects(store.listEvents({ afterId: 1.5 }), { code: "INTERNAL" });
    await store.close();
  });
});
