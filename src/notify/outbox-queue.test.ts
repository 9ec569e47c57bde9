import assert from "node:assert/strict";
import { test } from "node:test";
import type { ExecChannel, NotifyChannel } from "../config/notify-model.js";
import type { OutboxRecord, OutboxStore } from "../store/store.js";
import type { Delivery } from "./delivery.js";
import { OutboxQueue, retryDelay, type QueueEvent } from "./outbox-queue.js";

/** The outbox as a map: what the store would hold. */
class MapOutbox implements OutboxStore {
  readonly rows = new Map<string, OutboxRecord>();
  putOutbox(records: OutboxRecord[]): Promise<void> {
    for (const r of records) this.rows.set(r.id, { ...r });
    return Promise.resolve();
  }
  listOutbox(): Promise<OutboxRecord[]> {
    return Promise.resolve([...this.rows.values()]);
  }
  deleteOutbox(id: string): Promise<void> {
    this.rows.delete(id);
    return Promise.resolve();
  }
}

const exec: ExecChannel = { kind: "exec", command: ["/bin/true"], timeoutMs: 1000, retries: 1 };
const message = (id: string) => ({
  id,
  subject: `s ${id}`,
  text: "t",
  payload: { kind: "crash", text: "t" },
});

function queueWith(
  store: MapOutbox,
  deliver: (channel: NotifyChannel, d: Delivery) => Promise<void>,
  events: QueueEvent[],
  maxPending?: number,
): OutboxQueue {
  return new OutboxQueue({
    store,
    hostId: "h",
    host: "host1",
    channelOf: () => exec,
    deliver,
    emit: (e) => events.push(e),
    describe: () => "/bin/true",
    now: Date.now,
    ...(maxPending === undefined ? {} : { maxPending }),
  });
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

test("a message is stored before its try and removed once delivered", async () => {
  const store = new MapOutbox();
  const seen: string[] = [];
  let release = (): void => undefined;
  const queue = queueWith(
    store,
    (_c, d) => {
      seen.push(`${d.id} stored=${store.rows.has(d.id)}`);
      return new Promise((r) => (release = r));
    },
    [],
  );
  await queue.add(message("m1"), "web", "crash", [exec]);
  assert.deepEqual(seen, ["m1-exec stored=true"]);
  release();
  await settle();
  assert.equal(store.rows.size, 0);
  queue.close();
});

test("a failed try is an event and a retry with backoff; past retries it is given up and removed", async () => {
  const store = new MapOutbox();
  const events: QueueEvent[] = [];
  const queue = queueWith(store, () => Promise.reject(new Error("exit 1")), events);
  await queue.add(message("m1"), "web", "crash", [exec]);
  await settle();
  assert.equal(events[0]?.kind, "notify_failed");
  assert.match(events[0].reason, /failed \(try 1 of 2\): exit 1; next try in 2s/);
  assert.equal(store.rows.get("m1-exec")?.attempts, 1, "the try is counted in the store");
  assert.equal(retryDelay(1), 2000);
  assert.equal(retryDelay(20), 300_000);
  queue.close();
});

test("at most maxPending wait: the oldest go, counted in one notify_dropped event", async () => {
  const store = new MapOutbox();
  const events: QueueEvent[] = [];
  // The channel hangs: everything after the first waits.
  const queue = queueWith(store, () => new Promise(() => undefined), events, 3);
  for (let i = 0; i < 6; i++) await queue.add(message(`m${i}`), "web", "crash", [exec]);
  await settle();
  // m0 is in flight and stays; of the others the oldest went.
  assert.deepEqual(
    queue.list().map((r) => r.id),
    ["m0-exec", "m4-exec", "m5-exec"],
  );
  const dropped = events.filter((e) => e.kind === "notify_dropped");
  assert.equal(dropped.length, 1);
  assert.equal(dropped[0]?.details["dropped"], 3);
  assert.deepEqual(
    [...store.rows.keys()].sort(),
    ["m0-exec", "m4-exec", "m5-exec"],
    "dropped ones leave the store too",
  );
  queue.close();
});

test("what an earlier daemon left is sent on load, under the id it was stored with", async () => {
  const store = new MapOutbox();
  await store.putOutbox([
    {
      id: "old-exec",
      hostId: "h",
      channel: "exec",
      service: "web",
      kind: "crash",
      createdAt: 1,
      attempts: 1,
      nextAt: Date.now() + 60_000,
      lastError: "timed out",
      message: { subject: "s", payload: { kind: "crash", text: "body" } },
    },
  ]);
  const sent: Delivery[] = [];
  const queue = queueWith(store, (_c, d) => (sent.push(d), Promise.resolve()), []);
  assert.equal(await queue.load(), 1);
  await settle();
  assert.equal(sent[0]?.id, "old-exec", "sent at once, not at its old next try");
  assert.equal(sent[0]?.message.text, "body");
  assert.equal(store.rows.size, 0);
  queue.close();
});
