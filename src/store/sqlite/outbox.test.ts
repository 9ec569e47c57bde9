import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { OutboxRecord } from "../store.js";
import { openSqliteStore } from "./open.js";

test("the outbox keeps records across a reopen, updates tries by id, and forgets what is deleted", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "upkeep-outbox-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const record: OutboxRecord = {
    id: "m1-webhook",
    hostId: "h",
    channel: "webhook",
    service: "web",
    kind: "crash",
    createdAt: 1000,
    attempts: 0,
    nextAt: 1000,
    lastError: null,
    message: { subject: "s", text: "t", payload: { kind: "crash" } },
  };
  const store = openSqliteStore(dir, { hostId: "h" });
  await store.outbox.putOutbox([record, { ...record, id: "m1-email", channel: "email", createdAt: 1001 }]);
  await store.outbox.putOutbox([{ ...record, attempts: 2, nextAt: 9000, lastError: "timed out" }]);
  await store.close();
  const again = openSqliteStore(dir, { hostId: "h" });
  try {
    const left = await again.outbox.listOutbox();
    assert.deepEqual(
      left.map((r) => [r.id, r.attempts, r.nextAt, r.lastError]),
      [
        ["m1-webhook", 2, 9000, "timed out"],
        ["m1-email", 0, 1000, null],
      ],
    );
    assert.deepEqual(left[0]?.message, record.message);
    await again.outbox.deleteOutbox("m1-webhook");
    assert.deepEqual(
      (await again.outbox.listOutbox()).map((r) => r.id),
      ["m1-email"],
    );
  } finally {
    await again.close();
  }
});
