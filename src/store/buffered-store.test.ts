import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Filler, mountTinyFs, unmountTinyFs } from "../../test/helpers/tiny-fs.js";
import { BufferedStore } from "./buffered-store.js";
import { openSqliteStore } from "./sqlite/open.js";
import type { EventRecord, NewEvent, ProcessRecord } from "./store.js";
import { UpkeepError } from "../core/errors.js";

function processOf(pid: number): ProcessRecord {
  return {
    hostId: "h",
    service: "web",
    pid,
    startTime: pid * 10,
    bootId: "boot",
    argv: ["web"],
    pgid: pid,
    runId: `run-${pid}`,
    cgroup: null,
    startedAt: 1,
    shape: null,
  };
}

const event = (reason: string): NewEvent => ({ ts: 1, service: "web", kind: "state", reason });

test("on a full disk writes wait in memory, reads see them, and they are stored in order once there is space", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "upkeep-buffered-"));
  const fs = join(dir, "fs");
  mkdirSync(fs);
  const problem = mountTinyFs(fs, "1m");
  if (problem) {
    rmSync(dir, { recursive: true });
    return t.skip(problem);
  }
  const inner = openSqliteStore(fs, { hostId: "h" });
  const published: EventRecord[] = [];
  const store = new BufferedStore(inner, { dir: fs, publish: (e) => published.push(e), maxEvents: 5 });
  t.after(async () => {
    await store.close();
    unmountTinyFs(fs);
    rmSync(dir, { recursive: true });
  });

  assert.equal((await store.appendEvent(event("one"))).id, 1);
  assert.equal((await store.appendEvent(event("two"))).id, 2);
  await store.putProcess(processOf(100));
  const filler = new Filler(fs);

  await store.putProcess(processOf(200));
  const health = store.health();
  assert.equal(health.ok, false);
  assert.equal(health.problem, "store full");
  assert.match(health.hint ?? "", /free space on the file system holding /);
  assert.equal(health.pendingProcesses, 1);
  assert.equal((await inner.getProcess("web"))?.pid, 100, "not stored yet");
  assert.equal((await store.getProcess("web"))?.pid, 200, "but read back");
  assert.deepEqual(
    (await store.listProcesses()).map((r) => r.pid),
    [200],
  );

  // The notice (id 3) and seven events: two more than the buffer holds, so the oldest 3 go.
  const kept: EventRecord[] = [];
  for (let i = 0; i < 7; i++) kept.push(await store.appendEvent(event(`kept ${i}`)));
  assert.deepEqual(
    kept.map((e) => e.id),
    [4, 5, 6, 7, 8, 9, 10],
  );
  assert.match(published[0]?.reason ?? "", /^store full: .*free space/);
  assert.equal(published[0]?.id, 3);
  assert.equal(store.health().lostEvents, 3);
  assert.deepEqual(
    (await store.listEvents({ limit: 3 })).map((e) => e.reason),
    ["kept 4", "kept 5", "kept 6"],
  );
  assert.deepEqual(
    (await store.listEvents({ afterId: 1 })).map((e) => e.id),
    [2, 6, 7, 8, 9, 10],
  );

  filler.remove();
  await store.flush();
  assert.equal(store.health().ok, true);
  assert.equal((await inner.getProcess("web"))?.pid, 200, "the process record is stored");
  const stored = await inner.listEvents({});
  assert.deepEqual(
    stored.map((e) => [e.id, e.reason.slice(0, 26)]),
    [
      [1, "one"],
      [2, "two"],
      [6, "kept 2"],
      [7, "kept 3"],
      [8, "kept 4"],
      [9, "kept 5"],
      [10, "kept 6"],
      [11, "state store writable again"],
      [12, "3 events were lost while t"],
    ],
  );
  assert.deepEqual(
    published.slice(1).map((e) => e.id),
    [11, 12],
  );
});

test("a write batch the store cannot take waits whole: its records and events are read back", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "upkeep-buffered-batch-"));
  const inner = openSqliteStore(dir, { hostId: "h" });
  // The store refuses batches as a held lock would (a host error: kept, not thrown).
  const locked = new Proxy(inner, {
    get(target, key) {
      if (key === "writeBatch")
        return () => Promise.reject(new UpkeepError("STORE_LOCKED", "state store is locked"));
      const value: unknown = Reflect.get(target, key);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  const store = new BufferedStore(locked, { dir, publish: () => undefined });
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true });
  });
  await store.appendEvent(event("stored"));
  const kept = await store.writeBatch({ process: processOf(300), events: [event("a"), event("b")] });
  assert.equal(store.health().ok, false);
  assert.equal(store.health().pendingProcesses, 1);
  assert.equal((await inner.getProcess("web"))?.pid, undefined, "nothing of it stored");
  assert.equal((await store.getProcess("web"))?.pid, 300, "but all of it read back");
  assert.deepEqual(
    kept.map((e) => e.reason),
    ["a", "b"],
  );
  assert.deepEqual((await store.listEvents({})).map((e) => e.reason).slice(-2), ["a", "b"]);
});

test("an incident the store cannot take waits in memory and is stored once the store works again", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "upkeep-buffered-incident-"));
  const inner = openSqliteStore(dir, { hostId: "h" });
  let locked = true;
  // The store refuses incidents as a held lock would, until `locked` is cleared.
  const flaky = new Proxy(inner, {
    get(target, key) {
      if (key === "appendIncident" && locked)
        return () => Promise.reject(new UpkeepError("STORE_LOCKED", "state store is locked"));
      const value: unknown = Reflect.get(target, key);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  const store = new BufferedStore(flaky, { dir, publish: () => undefined });
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true });
  });
  const incident = {
    ts: 1,
    service: "web",
    kind: "crash" as const,
    summary: "web crashed: exited with code 1",
    pid: 7,
    exitCode: 1,
    signal: null,
    durationMs: 5,
    reason: "exited with code 1; restarting now",
    output: [],
    outputNote: null,
    sample: null,
    sampleNote: "no sample",
    host: null,
    suppressed: 0,
    details: {},
  };
  assert.equal(await store.appendIncident(incident), null, "no id yet: it waits");
  assert.equal(store.health().ok, false);
  assert.ok(store.health().pendingWrites >= 1, "the incident waits");
  locked = false;
  await store.flush();
  assert.equal(store.health().ok, true);
  assert.deepEqual(
    (await store.listIncidents({})).map((i) => i.summary),
    ["web crashed: exited with code 1"],
  );
});
