import assert from "node:assert/strict";
import { after, test } from "node:test";
import type { ServiceStatusJson } from "../../src/api/wire.js";
import { reasonText } from "../../src/cli/render/status-table.js";
import { initialContext, transition } from "../../src/service/machine.js";
import { seeded, service } from "../../src/service/machine-test-kit.js";
import { TestEnv } from "../helpers/daemon.js";

// Words that told the operator something untrue: a `--force` takeover was logged as "adopted …
// (identity proven)"; the status table showed a frozen countdown beside a live one ("restarting
// in 957 ms (next attempt in 1s)"); a second `stop` recorded a `stopped → stopped` transition.
// What must never happen again: a reason that contradicts what upkeep knows.
const env = new TestEnv();
after(() => env.teardown());

test("an adoption says what tied the process, not 'identity proven' for a takeover", () => {
  const forced = {
    type: "adopted",
    pid: 42,
    startedAt: 1,
    tie: "the operator took it over with --force",
  } as const;
  const t = transition("stopped", initialContext("up"), forced, service(), 1000, seeded(1));
  assert.equal(t.state, "running");
  assert.match(t.reason, /took it over with --force/);
  assert.doesNotMatch(t.reason, /identity proven/);
});

test("the status table shows one countdown, the live one", () => {
  const now = Date.parse("2026-12-07T10:00:00Z");
  const row = {
    reason: "exited with code 1; restarting in 957 ms",
    next_attempt_at: new Date(now + 500).toISOString(),
  } as ServiceStatusJson;
  assert.equal(reasonText(row, now), "exited with code 1; restarting (next attempt in 1s)");
  const retry = {
    reason: "start limit hit: 5 attempts within 60s; trying again in 600s (retry_after)",
    next_attempt_at: new Date(now + 300_000).toISOString(),
  } as ServiceStatusJson;
  assert.equal(
    reasonText(retry, now),
    "start limit hit: 5 attempts within 60s; trying again (next attempt in 5m0s)",
  );
});

test("a second stop is an answered request, not a stopped → stopped transition", async () => {
  env.writeConfig(`services:\n  t:\n    command: ["{fixtures}/ticker", "{marker}", "0.5"]\n`);
  await env.startDaemon();
  await env.waitForService("t", "running", "t running");
  assert.equal(env.cli("stop", "t").code, 0);
  const second = env.cli("stop", "t");
  assert.equal(second.code, 0, second.stderr);
  const events = await env.events("t");
  const selfLoops = events.filter((e) => e.kind === "state" && e.from === "stopped" && e.to === "stopped");
  assert.deepEqual(selfLoops, [], JSON.stringify(events.slice(-4)));
  assert.ok(
    events.some((e) => e.kind === "action" && /already stopped/.test(e.reason)),
    "the answer is kept",
  );
});
