import assert from "node:assert/strict";
import { test } from "node:test";
import type { EventJson } from "../../api/wire.js";
import { renderConfigPlan } from "./config-plan.js";
import { eventCells, eventWidths, renderEventRow, renderEventsHeader } from "./events-table.js";

function event(overrides: Partial<EventJson>): EventJson {
  return {
    id: 1,
    ts: new Date(2025, 10, 23, 12, 0, 5).toISOString(),
    service: "web",
    kind: "state",
    from: "starting",
    to: "running",
    reason: "ready",
    details: {},
    ...overrides,
  };
}

test("an event row shows time, service, kind, from→to and reason", () => {
  assert.deepEqual(eventCells(event({})), [
    "2025-11-23 12:00:05",
    "web",
    "state",
    "starting→running",
    "ready",
  ]);
  assert.deepEqual(eventCells(event({ service: null, from: null, to: null, kind: "config" })).slice(1, 4), [
    "-",
    "config",
    "-",
  ]);
});

test("event columns line up with the header", () => {
  const events = [event({}), event({ service: "a-much-longer-name", reason: "x" })];
  const widths = eventWidths(events);
  const header = renderEventsHeader(widths);
  const row = renderEventRow(events[1]!, widths);
  assert.equal(header.indexOf("KIND"), row.indexOf("state"));
  assert.equal(header.indexOf("REASON"), row.indexOf(" x\n") + 1);
});

const PLAN = {
  add: ["a", "b"],
  remove: ["c"],
  restart: [{ name: "web", keys: ["command", "env.PORT"] }],
  live: [{ name: "db", keys: ["backoff.initial"] }],
  unchanged: ["cache"],
  daemon: { keys: [] },
  unverified: [],
};

test("a dry-run plan is in the future tense, an applied one in the past", () => {
  assert.equal(
    renderConfigPlan(PLAN, false),
    "would start: a, b\nwould stop: c\nwould restart: web (command, env.PORT changed)\n" +
      "would apply live: db (backoff.initial)\nunchanged: cache\n",
  );
  assert.equal(
    renderConfigPlan(PLAN, true),
    "started: a, b\nstopped: c\nrestarted: web (command, env.PORT changed)\napplied live: db (backoff.initial)\nunchanged: cache\n",
  );
});

test("an empty plan says nothing changes", () => {
  const empty = {
    add: [],
    remove: [],
    restart: [],
    live: [],
    unchanged: ["web"],
    daemon: { keys: [] },
    unverified: [],
  };
  assert.equal(renderConfigPlan(empty, false), "nothing would change\nunchanged: web\n");
  assert.equal(renderConfigPlan(empty, true), "nothing changed\nunchanged: web\n");
});

test("services whose config is unknown (an older upkeep started them) are named, not restarted", () => {
  const plan = {
    add: [],
    remove: [],
    restart: [],
    live: [],
    unchanged: ["web"],
    daemon: { keys: [] },
    unverified: ["web"],
  };
  assert.equal(
    renderConfigPlan(plan, false),
    "nothing would change\nunchanged: web\n" +
      "config unknown (started by an older upkeep; `upkeep restart NAME` applies it): web\n",
  );
});
