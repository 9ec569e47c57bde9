import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { openSqliteStore } from "./open.js";

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function openWritten(): Promise<{ dir: string; store: ReturnType<typeof openSqliteStore> }> {
  const dir = mkdtempSync(join(tmpdir(), "upkeep-file-watch-"));
  dirs.push(dir);
  const store = openSqliteStore(dir, { hostId: "h" });
  await store.appendEvent({ ts: 1, service: null, kind: "daemon", reason: "written" });
  return { dir, store };
}

test("the store's files as opened are no problem; a read-only store is not watched", async () => {
  const { dir, store } = await openWritten();
  assert.equal(store.fileProblem(), null);
  const reader = openSqliteStore(dir, { hostId: "h", readonly: true });
  rmSync(join(dir, "state.db-wal"));
  assert.equal(reader.fileProblem(), null);
  await reader.close();
  await store.close();
});

test("a deleted state.db, a deleted WAL and a replaced state.db are each named", async () => {
  const deleted = await openWritten();
  rmSync(join(deleted.dir, "state.db"));
  assert.match(deleted.store.fileProblem() ?? "", /state\.db was deleted/);
  await deleted.store.close();

  const wal = await openWritten();
  rmSync(join(wal.dir, "state.db-wal"));
  assert.match(wal.store.fileProblem() ?? "", /state\.db-wal was deleted$/);
  await wal.store.close();

  const replaced = await openWritten();
  const file = join(replaced.dir, "state.db");
  copyFileSync(file, `${file}.copy`);
  renameSync(`${file}.copy`, file);
  assert.match(replaced.store.fileProblem() ?? "", /state\.db was replaced by another file/);
  await replaced.store.close();
});
