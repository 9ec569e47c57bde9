import assert from "node:assert/strict";
import { test } from "node:test";
import type { EventRecord } from "../store/store.js";
import { formatRecord, levelOfEvent, recordOfEvent, resolveLogFormat } from "./log-format.js";

const TS = Date.UTC(2026, 11, 7, 8, 26, 12, 98);

function event(over: Partial<EventRecord>): EventRecord {
  return {
    id: 7,
    ts: TS,
    hostId: "h",
    service: "web",
    kind: "state",
    from: "running",
    to: "backoff",
    reason: "exited with code 1; restarting in 100 ms",
    details: {},
    ...over,
  };
}

test("text lines carry an ISO-8601 UTC time and a level; a multi-line message repeats both", () => {
  const line = formatRecord("text", {
    ts: TS,
    level: "error",
    message: "upkeep: start-up failed: x\n  hint: y",
  });
  assert.equal(
    line,
    "2026-12-07T08:26:12.098Z error upkeep: start-up failed: x\n2026-12-07T08:26:12.098Z error   hint: y\n",
  );
  assert.equal(
    formatRecord("text", recordOfEvent(event({}))),
    "2026-12-07T08:26:12.098Z warn  web running → backoff: exited with code 1; restarting in 100 ms\n",
  );
});

test("journal lines carry sd-daemon priorities and no time", () => {
  assert.equal(
    formatRecord("journal", { ts: TS, level: "info", message: "upkeep: a\nb" }),
    "<6>upkeep: a\n<6>b\n",
  );
  assert.equal(formatRecord("journal", recordOfEvent(event({ to: "failed" }))).slice(0, 3), "<3>");
  assert.equal(formatRecord("journal", { ts: TS, level: "warn", message: "w" }), "<4>w\n");
});

test("json lines are one object each; an event's fields stand on their own", () => {
  const text = formatRecord(
    "json",
    recordOfEvent(event({ kind: "exit", from: null, to: null, details: { code: 1 } })),
  );
  assert.ok(text.endsWith("}\n") && !text.slice(0, -1).includes("\n"));
  assert.deepEqual(JSON.parse(text), {
    ts: "2026-12-07T08:26:12.098Z",
    level: "info",
    msg: "exited with code 1; restarting in 100 ms",
    service: "web",
    kind: "exit",
    from: null,
    to: null,
    event_id: 7,
    details: { code: 1 },
  });
  assert.deepEqual(JSON.parse(formatRecord("json", { ts: TS, level: "warn", message: "a\nb" })), {
    ts: "2026-12-07T08:26:12.098Z",
    level: "warn",
    msg: "a\nb",
  });
});

test("auto is journal only when JOURNAL_STREAM names stderr's device and inode", () => {
  const stderr = { dev: 64770n, ino: 123456n };
  assert.equal(resolveLogFormat("auto", "64770:123456", stderr), "journal");
  assert.equal(resolveLogFormat("auto", "64770:999", stderr), "text");
  assert.equal(resolveLogFormat("auto", "garbage", stderr), "text");
  assert.equal(resolveLogFormat("auto", undefined, stderr), "text");
  assert.equal(resolveLogFormat("auto", "64770:123456", null), "text");
  assert.equal(resolveLogFormat("json", "64770:123456", stderr), "json");
});

test("levels: what needs a person is an error, what upkeep recovers from a warning", () => {
  assert.equal(levelOfEvent(event({ to: "failed" })), "error");
  assert.equal(levelOfEvent(event({ kind: "log_dropped", from: null, to: null })), "error");
  assert.equal(levelOfEvent(event({ kind: "stale", from: null, to: null })), "warn");
  assert.equal(levelOfEvent(event({ to: "running", from: "starting" })), "info");
});
