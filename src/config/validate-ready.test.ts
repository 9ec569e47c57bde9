import { test } from "node:test";
import assert from "node:assert/strict";
import { loadYaml, noteLines, problemLines, serviceOf, services } from "./config-test-kit.js";

test("ready takes its probe with the default timeout (30s) and interval (250ms); no ready is null", (t) => {
  const result = loadYaml(
    t,
    services({
      a: ["command: [d]", "ready: { tcp: 8080 }"],
      b: ["command: [d]", "ready: { http: 'http://127.0.0.1:1/', timeout: 1m, interval: 1s }"],
      c: ["command: [d]"],
    }),
  );
  assert.deepEqual(serviceOf(result, "a").ready, {
    probe: { kind: "tcp", host: "127.0.0.1", port: 8080 },
    timeoutMs: 30_000,
    intervalMs: 250,
  });
  assert.deepEqual(
    [serviceOf(result, "b").ready?.timeoutMs, serviceOf(result, "b").ready?.intervalMs],
    [60_000, 1000],
  );
  assert.equal(serviceOf(result, "c").ready, null);
  assert.deepEqual(result.notes, []);
});

test("ready: notify is the short form of { notify: true }", (t) => {
  const result = loadYaml(t, services({ a: ["command: [d]", "ready: notify"] }));
  assert.deepEqual(serviceOf(result, "a").ready, {
    probe: { kind: "notify" },
    timeoutMs: 30_000,
    intervalMs: 250,
  });
});

test("type: notify means ready: notify, is acted on (no note), and takes a timeout of its own", (t) => {
  const result = loadYaml(
    t,
    services({
      a: ["type: notify", "command: [d]"],
      b: ["type: notify", "command: [d]", "ready: { notify: true, timeout: 5s }"],
      c: ["type: notify", "command: [d]", "ready: { timeout: 7s }"],
    }),
  );
  assert.deepEqual(serviceOf(result, "a").ready, {
    probe: { kind: "notify" },
    timeoutMs: 30_000,
    intervalMs: 250,
  });
  assert.deepEqual(serviceOf(result, "b").ready, {
    probe: { kind: "notify" },
    timeoutMs: 5000,
    intervalMs: 250,
  });
  assert.deepEqual(serviceOf(result, "c").ready, {
    probe: { kind: "notify" },
    timeoutMs: 7000,
    intervalMs: 250,
  });
  assert.deepEqual(result.notes, [], "type: notify is no longer 'not yet acted on'");
});

test("type: notify with a ready probe of another kind is a problem at that kind", (t) => {
  const result = loadYaml(t, services({ a: ["type: notify", "command: [d]", "ready: { tcp: 80 }"] }));
  assert.deepEqual(problemLines(result), [
    "5:14 services.a.ready.tcp: a type: notify service is ready when it sends READY=1, so ready.tcp cannot be used",
  ]);
});

test("ready on a oneshot is a problem: a oneshot is ready when it exits 0", (t) => {
  const result = loadYaml(t, services({ m: ["type: oneshot", "command: [d]", "ready: { tcp: 80 }"] }));
  assert.deepEqual(problemLines(result), [
    "5:5 services.m.ready: a oneshot service is ready when it exits with 0, so ready is not used",
  ]);
});

test("bad ready timeouts and intervals are problems, and a string other than notify is a wrong type", (t) => {
  const result = loadYaml(
    t,
    services({
      a: ["command: [d]", "ready: { tcp: 80, timeout: 0ms, interval: soon }"],
      b: ["command: [d]", "ready: tcp"],
    }),
  );
  assert.deepEqual(problemLines(result), [
    "4:32 services.a.ready.timeout: it is shorter than 1ms",
    "4:47 services.a.ready.interval: cannot read 'soon' as a number and a unit",
    "7:12 services.b.ready: wrong type",
  ]);
});

test("an interval on a log or notify ready probe is a note: it has no effect there", (t) => {
  const result = loadYaml(
    t,
    services({
      a: ["command: [d]", "ready: { log: up, interval: 1s }"],
      b: ["command: [d]", "ready: { notify: true, interval: 1s }"],
    }),
  );
  assert.ok(result.ok);
  assert.deepEqual(noteLines(result), [
    "4:23 services.a.ready.interval: interval has no effect on a log probe: every line of output is matched",
    "7:28 services.b.ready.interval: interval has no effect on a notify probe: READY=1 is read as it arrives",
  ]);
});

test("condition takes its probe with every and timeout (both 5s by default)", (t) => {
  const result = loadYaml(
    t,
    services({
      a: ["command: [d]", 'condition: { tcp: "peer.local:3305" }'],
      b: ["command: [d]", "condition: { exec: [ping, -c1, peer], every: 30s, timeout: 1s }"],
      c: ["command: [d]"],
    }),
  );
  assert.deepEqual(serviceOf(result, "a").condition, {
    probe: { kind: "tcp", host: "peer.local", port: 3305 },
    everyMs: 5000,
    timeoutMs: 5000,
  });
  assert.deepEqual(serviceOf(result, "b").condition, {
    probe: { kind: "exec", command: ["ping", "-c1", "peer"] },
    everyMs: 30_000,
    timeoutMs: 1000,
  });
  assert.equal(serviceOf(result, "c").condition, null);
});

test("bad condition durations are problems at their values", (t) => {
  const result = loadYaml(
    t,
    services({ a: ["command: [d]", "condition: { path: /x, every: 5, timeout: -1s }"] }),
  );
  assert.deepEqual(problemLines(result), [
    "4:35 services.a.condition.every: the unit is missing: write 5s",
    "4:47 services.a.condition.timeout: a duration cannot be negative",
  ]);
});
