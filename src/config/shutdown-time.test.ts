import assert from "node:assert/strict";
import { test } from "node:test";
import { DAEMON_STOP_MARGIN_MS, KILL_WAIT_MS, stopWaitMs, worstShutdownMs } from "./shutdown-time.js";
import type { ServiceConfig } from "./model.js";

type Svc = Pick<ServiceConfig, "name" | "type" | "stop" | "startTimeoutMs" | "after">;

function svc(name: string, stopMs: number, after: string[] = [], type: Svc["type"] = "simple"): Svc {
  return { name, type, stop: { signal: "SIGTERM", timeoutMs: stopMs }, startTimeoutMs: 30_000, after };
}

test("a forking or external service's stop also waits behind a start in progress", () => {
  assert.equal(stopWaitMs(svc("a", 10_000)), 10_000);
  assert.equal(stopWaitMs(svc("a", 10_000, [], "forking")), 40_000);
  assert.equal(stopWaitMs(svc("a", 10_000, [], "external")), 40_000);
});

test("independent services stop at once: the longest one counts", () => {
  const worst = worstShutdownMs([svc("a", 10_000), svc("b", 20_000), svc("c", 5_000)]);
  assert.equal(worst, 20_000 + KILL_WAIT_MS + DAEMON_STOP_MARGIN_MS);
});

test("a chain of dependents stops one after another: their stops add up", () => {
  // web after api after db: web stops first, then api, then db.
  const worst = worstShutdownMs([
    svc("db", 30_000),
    svc("api", 10_000, ["db"]),
    svc("web", 5_000, ["api"]),
    svc("x", 40_000),
  ]);
  assert.equal(worst, 45_000 + 3 * KILL_WAIT_MS + DAEMON_STOP_MARGIN_MS);
});

test("no services: only the daemon's own margin", () => {
  assert.equal(worstShutdownMs([]), DAEMON_STOP_MARGIN_MS);
});
