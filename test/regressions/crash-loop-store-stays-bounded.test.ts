import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import Database from "better-sqlite3";
import { TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

// A zero-backoff crash loop writes four events per restart, thousands a second, and the daemon
// pruned the event table only every 10 minutes: the store grew by 4 MB a minute, without bound
// between prunes. What must never happen again: events coming faster than a clock can prune
// them make the store grow past what `events_kept` allows. The event table stays within a
// tenth above `events_kept`, state.db stays small, and the WAL file stays checkpointed.
const env = new TestEnv();
after(() => env.teardown());

const KEPT = 1000;
/** Enough restarts that an unpruned table (4 events each) would hold over 10 times KEPT. */
const RESTARTS = 3000;

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch (err) {
    // No WAL file at this moment (between a checkpoint and the next write): nothing in it.
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw err;
  }
}

test("a crash loop of thousands of restarts keeps the store within events_kept", async () => {
  env.writeConfig(`
events_kept: ${KEPT}
services:
  loop:
    command: ["/bin/true", "{marker}"]
    backoff: { initial: 0, jitter: 0 }
    start_limit: { burst: 1000000000 }
`);
  await env.startDaemon();
  const db = join(env.stateDir, "state.db");
  const wal = `${db}-wal`;
  let largestDb = 0;
  let largestBoth = 0;
  const loop = await waitFor(
    async () => {
      largestDb = Math.max(largestDb, sizeOf(db));
      largestBoth = Math.max(largestBoth, sizeOf(db) + sizeOf(wal));
      const s = await env.status("loop");
      return s.restarts >= RESTARTS ? s : null;
    },
    { what: `${RESTARTS} restarts of the crash loop`, timeout: 90_000, interval: 250 },
  );
  assert.ok(loop.restarts >= RESTARTS);
  const reader = new Database(db, { readonly: true, fileMustExist: true });
  try {
    const { count } = reader.prepare("SELECT count(*) AS count FROM events").get() as { count: number };
    assert.ok(count <= KEPT * 1.1, `the event table holds ${count} events; events_kept is ${KEPT}`);
    assert.ok(count >= KEPT, `only ${count} events kept: pruning deleted more than it should`);
  } finally {
    reader.close();
  }
  // ~1100 events take about 200 KB; an unpruned table after 3000 restarts over 1.5 MB.
  assert.ok(largestDb <= 1024 * 1024, `state.db grew to ${largestDb} bytes`);
  // The WAL is checkpointed every 1000 pages (4 MB).
  assert.ok(largestBoth <= 6 * 1024 * 1024, `state.db + state.db-wal grew to ${largestBoth} bytes`);
});
