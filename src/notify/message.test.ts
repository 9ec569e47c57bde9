import assert from "node:assert/strict";
import { test } from "node:test";
import { composeMessage, type MessageInput } from "./message.js";

const base: MessageInput = {
  id: "m1",
  host: "host1",
  service: "web",
  kind: "crash",
  time: Date.UTC(2026, 11, 7, 3, 12, 0),
  event: {
    id: 7,
    hostId: "h",
    ts: 0,
    service: "web",
    kind: "state",
    from: "running",
    to: "backoff",
    reason: "exited with code 1; restarting in 1s",
    details: {},
  },
  facts: {
    state: "backoff",
    pid: null,
    restarts: 5,
    lastExitCode: 1,
    lastSignal: null,
    since: Date.UTC(2026, 11, 7, 3, 12, 0),
    reason: "exited with code 1",
  },
  folded: 0,
  events: 1,
  foldedSince: null,
  minIntervalMs: 300_000,
  story: { openedAt: Date.UTC(2026, 11, 7, 3, 10, 0), crashes: 5, events: 5 },
  lastLines: ["listening on 8080", "Error: cannot connect to db"],
  lastLinesNote: null,
  configFile: "/etc/upkeep/upkeep.yaml",
  incident: null,
};

test("the message names host, service, what happened, since when, restarts, last lines and the commands", () => {
  const m = composeMessage(base);
  assert.equal(m.subject, "[upkeep] web on host1: crashed (exit 1), 5 restarts in 2m");
  assert.match(m.text, /what happened +exited with code 1; restarting in 1s/);
  assert.match(m.text, /trouble since +2026-12-07 03:10:00 UTC \(2m ago\), 5 crashes since then/);
  assert.match(m.text, /restarts +5 so far/);
  assert.match(m.text, /\| Error: cannot connect to db/);
  assert.match(m.text, /upkeep --config \/etc\/upkeep\/upkeep.yaml status web/);
  assert.match(m.text, /upkeep --config \/etc\/upkeep\/upkeep.yaml logs web -n 100 --timestamps/);
  assert.equal(m.payload["exit_code"], 1);
  assert.deepEqual(m.payload["last_lines"], base.lastLines);
});

test("folded events are counted in the subject and the body; an incident is named when there is one", () => {
  const m = composeMessage({
    ...base,
    folded: 19,
    foldedSince: base.time - 60_000,
    incident: { id: "inc-42" },
  });
  assert.equal(m.subject, "[upkeep] web on host1: crashed 19 more times (exit 1), 5 restarts in 2m");
  assert.match(m.text, /folded +19 more crash events since .*held back by min_interval 5m/);
  assert.match(m.text, /incident +inc-42/);
  assert.match(m.text, /upkeep --config \/etc\/upkeep\/upkeep.yaml incident inc-42/);
});

test("recovered tells the story it closes", () => {
  const m = composeMessage({ ...base, kind: "recovered", story: { ...base.story!, crashes: 20 } });
  assert.equal(m.subject, "[upkeep] web on host1: recovered after 20 crashes in 2m");
});
