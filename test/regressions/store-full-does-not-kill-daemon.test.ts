import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { after, test } from "node:test";
import { isAlive, TestEnv } from "../helpers/daemon.js";
import { Filler, mountTinyFs, unmountTinyFs } from "../helpers/tiny-fs.js";
import { waitFor } from "../helpers/wait-for.js";

// On a full disk the `log_dropped` event's store write failed with SQLITE_FULL, nothing caught
// it, and the daemon died: services went unwatched, crashed ones were never restarted. What
// must never happen again: a store write that fails ends the daemon. Events and records wait
// in memory, `status` and `check` say "store full" with the fix, services go on restarting,
// and once there is space the waiting events are stored in order, under the ids followers saw.
const env = new TestEnv();
let mounted = false;
after(async () => {
  if (env.daemon && env.daemon.exitCode === null && env.daemon.signalCode === null) {
    const exited = new Promise((r) => env.daemon!.once("exit", r));
    env.daemon.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000).unref())]);
  }
  if (mounted) unmountTinyFs(env.stateDir); // lazily: the FIFO holder may still hold a FIFO in it
  await env.teardown();
});

/** The newest 10 000 events (the test makes far fewer) after `afterId`, oldest first. */
async function daemonEvents(afterId = 0): Promise<any[]> {
  const events: any[] = (await env.api("GET", "/api/v1/events?n=10000")).json.events;
  return events.filter((e) => e.id > afterId);
}

test("a full state store does not end the daemon, and what waited is stored in order later", async (t) => {
  mkdirSync(env.stateDir);
  // 16 MiB: SQLite's WAL grows to 4 MiB before its first checkpoint; it must not fill the disk
  // on its own before the test does.
  const problem = mountTinyFs(env.stateDir, "16m");
  if (problem) return t.skip(problem);
  mounted = true;
  env.writeConfig(`
services:
  crashy:
    # 5 KB a run: more than the rest of a page, so a full disk loses output at once.
    command: [sh, -c, "printf '%5000s {marker}\\n' boom; exit 1"]
    backoff: { initial: 100ms, max: 100ms }
    start_limit: { burst: 100000, interval: 1s }
  tick:
    command: ["{fixtures}/ticker", "{marker}", "60"]
`);
  const daemon = await env.startDaemon();
  await waitFor(async () => (await env.status("crashy")).restarts >= 2, { what: "crashy crash-looping" });
  await env.waitForService("tick", "running", "tick running");

  const filler = new Filler(env.stateDir);
  const store = await waitFor(
    async () => {
      const s = (await env.api("GET", "/api/v1/status")).json.daemon.store;
      return s.ok === false && s.pending_writes > 3 ? s : null;
    },
    { what: "status to say the store is full" },
  );
  assert.equal(store.problem, "store full");
  assert.match(store.hint, /free space on the file system holding .*state/);

  // Supervision goes on: the crash loop restarts, a killed service comes back.
  const restarts = (await env.status("crashy")).restarts;
  await waitFor(async () => (await env.status("crashy")).restarts >= restarts + 3, {
    what: "crashy restarted three more times while the store is full",
  });
  const tick = await env.status("tick");
  process.kill(tick.pid, "SIGKILL");
  await env.waitForService("tick", "running", "tick restarted while the store is full", tick.pid);
  assert.ok(isAlive(daemon.pid!), "the daemon lives");

  const table = env.cli("status");
  assert.match(
    table.stdout,
    /^daemon: store full for \S+: \d+ writes wait in memory; free space on the file system holding /,
  );
  const check = env.cli("check");
  assert.equal(check.code, 2, check.stdout);
  assert.match(
    check.stdout,
    /^CRITICAL daemon: expected the state store in \S+ taking writes, found store full .*; do: free space/m,
  );

  // The events seen live while the store was full: the notice first, ids in order.
  const seen = await daemonEvents();
  const notice = seen.findIndex((e) => e.kind === "daemon" && /^store full: /.test(e.reason));
  assert.ok(notice >= 0, "an event says the store is full");
  const waited = seen.slice(notice);
  assert.ok(
    waited.some((e) => e.kind === "log_dropped"),
    "the lost output is among them",
  );

  filler.remove();
  const caughtUp = await waitFor(
    async () => {
      const s = (await env.api("GET", "/api/v1/status")).json.daemon.store;
      return s.ok ? s : null;
    },
    { what: "the store to take writes again", timeout: 20_000 },
  );
  assert.equal(caughtUp.pending_writes, 0);
  // Now read from the store itself: the events that waited, same ids, same order, then the count.
  const stored = await daemonEvents(waited[0].id - 1);
  assert.deepEqual(
    stored.slice(0, waited.length).map((e) => [e.id, e.kind, e.reason]),
    waited.map((e) => [e.id, e.kind, e.reason]),
  );
  const late = stored.find((e) => e.kind === "daemon" && /^state store writable again: /.test(e.reason));
  assert.ok(late, "an event says how many were written late");
  assert.ok(late.details.delayed >= waited.length, `${late.details.delayed} >= ${waited.length}`);
  for (let i = 1; i < stored.length; i++) assert.ok(stored[i].id > stored[i - 1].id, "ids only grow");
});
