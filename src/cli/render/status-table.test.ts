import assert from "node:assert/strict";
import { test } from "node:test";
import type { ServiceStatusJson } from "../../api/wire.js";
import { renderStatusTable, renderStoreLine } from "./status-table.js";

function service(overrides: Partial<ServiceStatusJson>): ServiceStatusJson {
  return {
    name: "web",
    type: "simple",
    state: "running",
    desired: "up",
    pid: 1234,
    since: "2025-11-23T10:00:00.000Z",
    uptime_ms: 3 * 3_600_000 + 12 * 60_000,
    restarts: 0,
    exit_code: null,
    signal: null,
    ports: [8080],
    children: [],
    rss_bytes: 12.3 * 1024 * 1024,
    cpu_percent: 1.25,
    log_file: { out: "/s/logs/web.out.log", err: "/s/logs/web.err.log" },
    reason: "ready",
    next_attempt_at: null,
    health: null,
    instance_of: null,
    notify_status: null,
    started_with: "current",
    started_with_note: null,
    ...overrides,
  };
}

const NOW = Date.parse("2025-11-23T13:12:00.000Z");

test("the table has the SPEC's columns, aligned, with - for missing values", () => {
  const out = renderStatusTable(
    [
      service({}),
      service({
        name: "database",
        state: "stopped",
        desired: "down",
        pid: null,
        uptime_ms: null,
        rss_bytes: null,
        cpu_percent: null,
        ports: [],
        restarts: 2,
      }),
    ],
    { now: NOW, colour: false },
  );
  assert.equal(
    out,
    [
      "NAME      STATE    PID   UPTIME  RESTARTS  CPU   MEM    PORTS",
      "web       running  1234  3h12m   0         1.3%  12.3M  8080",
      "database  stopped  -     -       2         -     -      -",
      "",
    ].join("\n"),
  );
});

test("failed, backoff and waiting services get a reason line, with the next attempt", () => {
  const out = renderStatusTable(
    [
      service({ name: "a", state: "failed", pid: null, reason: "start limit hit: 5 starts in 60s" }),
      service({
        name: "b",
        state: "backoff",
        pid: null,
        reason: "exited with code 1",
        next_attempt_at: new Date(NOW + 4000).toISOString(),
      }),
      service({ name: "c", state: "waiting", pid: null, reason: "condition tcp db.local:5432 not met" }),
      service({ name: "d", state: "running", reason: "ready" }),
    ],
    { now: NOW, colour: false },
  );
  const lines = out.trimEnd().split("\n");
  assert.equal(lines[2], "  reason: start limit hit: 5 starts in 60s");
  assert.equal(lines[4], "  reason: exited with code 1 (next attempt in 4s)");
  assert.equal(lines[6], "  reason: condition tcp db.local:5432 not met");
  assert.equal(lines.length, 8, "a running service gets no reason line");
});

test("desired state is shown when it differs from what is observed", () => {
  const out = renderStatusTable(
    [
      service({ state: "stopped", desired: "up", pid: null }),
      service({ name: "x", state: "backoff", desired: "down" }),
    ],
    { now: NOW, colour: false },
  );
  assert.match(out, /stopped \(wanted up\)/);
  assert.match(out, /backoff \(wanted down\)/);
});

test("states are coloured only when asked", () => {
  const rows = [service({}), service({ name: "f", state: "failed", reason: "boom" })];
  const coloured = renderStatusTable(rows, { now: NOW, colour: true });
  assert.ok(coloured.includes("\u001b[32mrunning\u001b[0m"));
  assert.ok(coloured.includes("\u001b[31mfailed\u001b[0m"));
  assert.ok(!renderStatusTable(rows, { now: NOW, colour: false }).includes("\u001b["));
});

test("an empty service list says so", () => {
  assert.equal(renderStatusTable([], { now: NOW, colour: false }), "no services in the config\n");
});

test("a running service failing its health probe gets a health line with the probe's last answer", () => {
  const failing = service({
    health: {
      probe: "http http://127.0.0.1:8080/healthz",
      failures: 3,
      threshold: 3,
      failing: true,
      last: "status 503",
    },
  });
  const passing = service({
    name: "api",
    health: { probe: "tcp 127.0.0.1:9000", failures: 1, threshold: 3, failing: false, last: "refused" },
  });
  const out = renderStatusTable([failing, passing], { now: NOW, colour: false });
  assert.match(
    out,
    /\n  health: failing: http http:\/\/127\.0\.0\.1:8080\/healthz failed 3 times in a row; last: status 503\n/,
  );
  assert.equal(out.match(/health:/g)?.length, 1, "only the failing one");
});

test("a process running an outdated or unknown config gets a config line with the fix", () => {
  const outdated = service({
    started_with: "outdated",
    started_with_note: "running an outdated config: env.MODE changed since PID 1234 started",
  });
  const current = service({ name: "api" });
  const out = renderStatusTable([outdated, current], { now: NOW, colour: false });
  assert.match(out, /\n  config: running an outdated config: env\.MODE changed since PID 1234 started\n/);
  assert.equal(out.match(/\n {2}config:/g)?.length, 1, "only the outdated one");
});

test("a line above the table says the state store is full, for how long, what waits and the fix", () => {
  const now = Date.parse("2025-11-23T10:01:30.000Z");
  const store = {
    ok: false,
    problem: "store full",
    hint: "free space on the file system holding /srv/state",
    pending_writes: 37,
    pending_process_records: 1,
    lost_events: 0,
    since: "2025-11-23T10:00:00.000Z",
  };
  assert.equal(
    renderStoreLine(store, now),
    "daemon: store full for 1m30s: 37 writes wait in memory; free space on the file system holding /srv/state\n",
  );
  assert.match(
    renderStoreLine({ ...store, lost_events: 5 }, now),
    /37 writes wait in memory, 5 events lost;/,
  );
  assert.equal(renderStoreLine({ ...store, ok: true }, now), "");
  assert.equal(renderStoreLine(undefined, now), "", "an older daemon that does not say");
});
