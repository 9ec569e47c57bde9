/**
 * One behaviour suite for every StateStore backend: what callers may rely on, whatever stores
 * the records. Each backend adds one runStoreContract call at the bottom of this file (kept
 * here, not imported elsewhere, so no suite registers twice).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { openSqliteStore } from "./sqlite/open.js";
import type { NewEvent, ProcessRecord, ServiceRecord, StateStore } from "./store.js";

/** A backend under test: a fresh, empty store, a way to open the same storage again, teardown. */
export interface StoreUnderTest {
  store: StateStore;
  /** Opens the same storage again (after the caller closed `store`), optionally as another host. */
  reopen: (hostId?: string) => Promise<StateStore>;
  /** Closes whatever is still open and removes the storage. */
  cleanup: () => Promise<void>;
}

const HOST = "host-under-test";

function service(name: string, overrides: Partial<ServiceRecord> = {}): ServiceRecord {
  return {
    hostId: HOST,
    service: name,
    desired: "up",
    state: "running",
    reason: "started by test",
    since: 1_700_000_000_000,
    restarts: 0,
    lastExitCode: null,
    lastSignal: null,
    attempts: [],
    ...overrides,
  };
}

function processOf(name: string, pid: number): ProcessRecord {
  return {
    hostId: HOST,
    service: name,
    pid,
    startTime: 123_456,
    bootId: "0a1b2c3d-boot",
    argv: ["/usr/bin/env", "sleep", "30", "marker with spaces"],
    pgid: pid,
    runId: `run-${pid}`,
    cgroup: null,
    startedAt: 1_700_000_000_500,
    shape: pid % 2 === 0 ? null : { command: "0123456789abcdef", "env.PORT": "fedcba9876543210" },
  };
}

function event(serviceName: string | null, reason: string): NewEvent {
  return { ts: Date.now(), service: serviceName, kind: "state", from: "starting", to: "running", reason };
}

/** Registers the contract suite for one backend; `makeStore` gives each test its own store (host HOST). */
export function runStoreContract(name: string, makeStore: (hostId: string) => Promise<StoreUnderTest>): void {
  describe(`StateStore contract: ${name}`, () => {
    async function withStore(body: (s: StoreUnderTest) => Promise<void>): Promise<void> {
      const subject = await makeStore(HOST);
      try {
        await body(subject);
      } finally {
        await subject.cleanup();
      }
    }

    test("a put service is read back equal, and listed in name order", () =>
      withStore(async ({ store }) => {
        const web = service("web", {
          attempts: [1, 2, 3],
          lastExitCode: 1,
          lastSignal: "SIGTERM",
          restarts: 4,
        });
        await store.putService(service("worker@b", { desired: "down", state: "stopped" }));
        await store.putService(web);
        await store.putService(service("api"));
        assert.deepEqual(await store.getService("web"), web);
        assert.deepEqual(
          (await store.listServices()).map((s) => s.service),
          ["api", "web", "worker@b"],
        );
        assert.equal(await store.getService("nope"), null);
      }));

    test("a write batch stores its process, service and events together, the events in order", () =>
      withStore(async ({ store }) => {
        const before = await store.appendEvent(event("web", "before"));
        const stored = await store.writeBatch({
          process: processOf("web", 4242),
          service: service("web"),
          events: [event("web", "spawned"), event("web", "running")],
        });
        assert.deepEqual(
          stored.map((e) => [e.id, e.reason]),
          [
            [before.id + 1, "spawned"],
            [before.id + 2, "running"],
          ],
        );
        assert.deepEqual(await store.listEvents({ afterId: before.id }), stored);
        assert.deepEqual(await store.getProcess("web"), processOf("web", 4242));
        assert.deepEqual(await store.getService("web"), service("web"));
        assert.deepEqual(await store.writeBatch({ events: [] }), []);
      }));

    test("putting a service again replaces it, and delete removes it", () =>
      withStore(async ({ store }) => {
        await store.putService(service("web"));
        const changed = service("web", { desired: "down", state: "stopped", reason: "operator stop" });
        await store.putService(changed);
        assert.deepEqual(await store.listServices(), [changed]);
        await store.deleteService("web");
        await store.deleteService("never-existed");
        assert.equal(await store.getService("web"), null);
        assert.deepEqual(await store.listServices(), []);
      }));

    test("a put process is read back equal, replaced, listed and deleted", () =>
      withStore(async ({ store }) => {
        const first = processOf("web", 4242);
        await store.putProcess(first);
        await store.putProcess(processOf("api", 99));
        assert.deepEqual(await store.getProcess("web"), first);
        const second = { ...processOf("web", 5151), cgroup: "upkeep/web" };
        await store.putProcess(second);
        assert.deepEqual(await store.getProcess("web"), second);
        assert.deepEqual(
          (await store.listProcesses()).map((p) => [p.service, p.pid]),
          [
            ["api", 99],
            ["web", 5151],
          ],
        );
        await store.deleteProcess("web");
        assert.equal(await store.getProcess("web"), null);
        assert.equal((await store.listProcesses()).length, 1);
      }));

    test("appended events get increasing ids and come back with defaults filled in", () =>
      withStore(async ({ store }) => {
        const a = await store.appendEvent({ ts: 1, service: null, kind: "daemon", reason: "daemon started" });
        const b = await store.appendEvent({
          ...event("web", "spawned"),
          details: { pid: 7, nested: { ok: true } },
        });
        assert.ok(b.id > a.id, `ids ${a.id} then ${b.id}`);
        assert.deepEqual(a, {
          id: a.id,
          hostId: HOST,
          ts: 1,
          service: null,
          kind: "daemon",
          from: null,
          to: null,
          reason: "daemon started",
          details: {},
        });
        assert.deepEqual(await store.listEvents({}), [a, b]);
      }));

    test("listEvents with a limit returns the newest events, oldest first", () =>
      withStore(async ({ store }) => {
        for (let i = 1; i <= 5; i += 1) await store.appendEvent(event("web", `e${i}`));
        assert.deepEqual(
          (await store.listEvents({ limit: 2 })).map((e) => e.reason),
          ["e4", "e5"],
        );
        assert.deepEqual(await store.listEvents({ limit: 0 }), []);
      }));

    test("listEvents after an id returns only later events, for followers", () =>
      withStore(async ({ store }) => {
        const seen = await store.appendEvent(event("web", "old"));
        await store.appendEvent(event("web", "new1"));
        await store.appendEvent(event(null, "new2"));
        assert.deepEqual(
          (await store.listEvents({ afterId: seen.id })).map((e) => e.reason),
          ["new1", "new2"],
        );
        const last = (await store.listEvents({ limit: 1 }))[0]!;
        assert.deepEqual(await store.listEvents({ afterId: last.id }), []);
      }));

    test("listEvents oldest-first pages through the events after an id, for resuming followers", () =>
      withStore(async ({ store }) => {
        const start = await store.appendEvent(event("web", "old"));
        for (const r of ["p1", "p2", "p3", "p4", "p5"])
          await store.appendEvent(event(r === "p3" ? "db" : "web", r));
        const page = (afterId: number) =>
          store.listEvents({ service: "web", afterId, limit: 2, oldestFirst: true });
        const first = await page(start.id);
        assert.deepEqual(
          first.map((e) => e.reason),
          ["p1", "p2"],
        );
        const second = await page(first.at(-1)!.id);
        assert.deepEqual(
          second.map((e) => e.reason),
          ["p4", "p5"],
        );
        assert.deepEqual(await page(second.at(-1)!.id), []);
      }));

    test("listEvents by exact name, and by a prefix ending in @ for all instances", () =>
      withStore(async ({ store }) => {
        for (const name of ["web", "web@a", "api", "web@b", "web2@a", "webA", null]) {
          await store.appendEvent(event(name, `for ${name}`));
        }
        const names = async (svc: string) => (await store.listEvents({ service: svc })).map((e) => e.service);
        assert.deepEqual(await names("web"), ["web"]);
        assert.deepEqual(await names("web@"), ["web@a", "web@b"]);
        assert.deepEqual(await names("web@a"), ["web@a"]);
        assert.deepEqual(await names("nothing@"), []);
        const a = (await store.listEvents({ service: "web@a" }))[0]!;
        assert.deepEqual(
          (await store.listEvents({ service: "web@", afterId: a.id, limit: 5 })).map((e) => e.service),
          ["web@b"],
        );
      }));

    test("records survive close and reopen", () =>
      withStore(async ({ store, reopen }) => {
        await store.putService(service("web"));
        await store.putProcess(processOf("web", 31337));
        const written = await store.appendEvent(event("web", "before restart"));
        await store.close();
        const again = await reopen();
        assert.deepEqual(await again.getService("web"), service("web"));
        assert.deepEqual(await again.getProcess("web"), processOf("web", 31337));
        assert.deepEqual(await again.listEvents({}), [written]);
        const next = await again.appendEvent(event("web", "after restart"));
        assert.ok(next.id > written.id, "event ids keep increasing across a reopen");
        await again.close();
      }));

    test("every record carries the host id, and a store sees only its own host's records", () =>
      withStore(async ({ store, reopen }) => {
        assert.equal(store.hostId, HOST);
        await store.putService(service("web"));
        await store.putProcess(processOf("web", 10));
        const mine = await store.appendEvent(event("web", "mine"));
        assert.equal(mine.hostId, HOST);
        await assert.rejects(store.putService({ ...service("x"), hostId: "other" }), { code: "INTERNAL" });
        await store.close();

        const other = await reopen("other-host");
        assert.equal(other.hostId, "other-host");
        assert.deepEqual(await other.listServices(), []);
        assert.equal(await other.getProcess("web"), null);
        assert.deepEqual(await other.listEvents({}), []);
        await other.putService({ ...service("web"), hostId: "other-host", state: "stopped" });
        assert.equal((await other.appendEvent(event("web", "theirs"))).hostId, "other-host");
        await other.close();

        const back = await reopen();
        assert.deepEqual(await back.listServices(), [service("web")]);
        assert.deepEqual(
          (await back.listEvents({})).map((e) => [e.hostId, e.reason]),
          [[HOST, "mine"]],
        );
        await back.close();
      }));
  });
}

// SQLite: a fresh state dir per test. A future backend (PostgreSQL) adds its own call here.
runStoreContract("sqlite", (hostId) => {
  const stateDir = mkdtempSync(join(tmpdir(), "upkeep-store-contract-"));
  const opened: StateStore[] = [];
  const open = (host: string): StateStore => {
    const store = openSqliteStore(stateDir, { hostId: host });
    opened.push(store);
    return store;
  };
  return Promise.resolve({
    store: open(hostId),
    reopen: (host = hostId) => Promise.resolve(open(host)),
    cleanup: async () => {
      for (const store of opened) await store.close(); // close() is idempotent
      rmSync(stateDir, { recursive: true, force: true });
    },
  });
});
