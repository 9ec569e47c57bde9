import assert from "node:assert/strict";
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
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
  await store.appendEvent({ ts: 1, service: null, kind: "daemon", reason: "before" });
  return { dir, store };
}

/** The event reasons in the file at the path, read by a connection of its own. */
async function reasonsAtPath(dir: string): Promise<string[]> {
  const reader = openSqliteStore(dir, { hostId: "h", readonly: true });
  try {
    return (await reader.listEvents({})).map((e) => e.reason);
  } finally {
    await reader.close();
  }
}

test("the store's files as opened are no problem; a read-only store is not watched", async () => {
  const { dir, store } = await openWritten();
  assert.equal(store.checkFiles(), null);
  const reader = openSqliteStore(dir, { hostId: "h", readonly: true });
  rmSync(join(dir, "state.db-wal"));
  assert.equal(reader.checkFiles(), null);
  await reader.close();
  await store.close();
});

for (const lost of ["state.db", "state.db-wal"]) {
  test(`a ${lost} deleted under the writer is written anew from its open copy: nothing is lost`, async () => {
    const { dir, store } = await openWritten();
    rmSync(join(dir, lost));
    const found = store.checkFiles();
    assert.equal(found?.rebuilt, true);
    assert.match(found.problem, new RegExp(`${lost.replace(".", "\\.")} was deleted$`));
    assert.equal(store.checkFiles(), null, "whole again");
    await store.appendEvent({ ts: 2, service: null, kind: "daemon", reason: "after" });
    assert.deepEqual(await reasonsAtPath(dir), ["before", "after"]);
    await store.close();
  });
}

test("a state.db replaced by another file is named and never overwritten", async () => {
  const { dir, store } = await openWritten();
  const file = join(dir, "state.db");
  copyFileSync(file, `${file}.copy`);
  renameSync(`${file}.copy`, file);
  writeFileSync(file, "someone else's file");
  const found = store.checkFiles();
  assert.equal(found?.rebuilt, false);
  assert.match(found.problem, /state\.db was replaced by another file/);
  assert.equal(readFileSync(file, "utf8"), "someone else's file");
  assert.equal(existsSync(`${file}.rebuilt-${process.pid}`), false);
  await store.close();
});
