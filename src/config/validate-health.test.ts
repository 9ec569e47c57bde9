import { test } from "node:test";
import assert from "node:assert/strict";
import { loadYaml, noteLines, problemLines, serviceOf, services } from "./config-test-kit.js";

test("a health probe takes interval 10s, timeout 2s and failures 3 by default, and restarts on the probe", (t) => {
  const result = loadYaml(
    t,
    services({ a: ["command: [d]", 'health: { http: "http://127.0.0.1:8080/healthz" }'] }),
  );
  const a = serviceOf(result, "a");
  assert.deepEqual(a.health, {
    probe: { kind: "http", url: "http://127.0.0.1:8080/healthz", body: null },
    intervalMs: 10_000,
    timeoutMs: 2000,
    failures: 3,
  });
  assert.deepEqual(a.restartOn, ["probe"]);
  assert.deepEqual(result.notes, [], "the probe keys are acted on now");
});

test("health values are read, and restart_on lists what restarts the service", (t) => {
  const result = loadYaml(
    t,
    services({
      a: [
        "command: [d]",
        "health: { tcp: 80, interval: 30s, timeout: 5s, failures: 1, restart_on: [ports, probe] }",
        "listen: [80]",
      ],
      b: ["command: [d]", "health: { log: ERROR, restart_on: [] }"],
      c: ["command: [d]", "health: { restart_on: [children] }", "children: [{ name: w }]"],
      e: ["command: [d]"],
    }),
  );
  const a = serviceOf(result, "a");
  assert.deepEqual(a.health, {
    probe: { kind: "tcp", host: "127.0.0.1", port: 80 },
    intervalMs: 30_000,
    timeoutMs: 5000,
    failures: 1,
  });
  assert.deepEqual(a.restartOn, ["ports", "probe"]);
  const b = serviceOf(result, "b");
  assert.deepEqual(
    [b.health?.probe, b.restartOn],
    [{ kind: "log", pattern: "ERROR" }, []],
    "[]: only report",
  );
  const c = serviceOf(result, "c");
  assert.deepEqual([c.health, c.restartOn], [null, ["children"]], "only restart_on is still valid");
  const e = serviceOf(result, "e");
  assert.deepEqual([e.health, e.restartOn], [null, []]);
});

test("probe in restart_on without a probe is a problem at that item", (t) => {
  const result = loadYaml(
    t,
    services({ a: ["command: [d]", "health: { restart_on: [ports, probe] }", "listen: [80]"] }),
  );
  assert.deepEqual(problemLines(result), [
    "4:35 services.a.health.restart_on[1]: restart_on names probe, but health has no probe",
  ]);
});

test("health settings without a probe, an empty health and two probes are problems", (t) => {
  const result = loadYaml(
    t,
    services({
      a: ["command: [d]", "health: { interval: 5s, restart_on: [] }"],
      b: ["command: [d]", "health: {}"],
      c: ["command: [d]", "health: { tcp: 80, exec: [check] }"],
    }),
  );
  assert.deepEqual(problemLines(result), [
    "4:13 services.a.health: health has interval but names no probe",
    "7:13 services.b.health: health names no probe",
    "10:24 services.c.health.exec: health has 2 probes (tcp, exec): a section takes exactly one",
  ]);
});

test("bad failures, interval and timeout are problems at their values", (t) => {
  const result = loadYaml(
    t,
    services({ a: ["command: [d]", "health: { tcp: 80, failures: 0, interval: 0, timeout: 1.5 }"] }),
  );
  assert.deepEqual(problemLines(result), [
    "4:34 services.a.health.failures: out of range",
    "4:47 services.a.health.interval: it must be at least 1ms",
    "4:59 services.a.health.timeout: the unit is missing: write 1.5s",
  ]);
});

test("a timeout longer than the interval is a note: probes do not overlap", (t) => {
  const result = loadYaml(
    t,
    services({
      a: ["command: [d]", "health: { tcp: 80, interval: 1s, timeout: 3s }"],
      b: ["command: [d]", "health: { tcp: 80, interval: 1s }"],
    }),
  );
  assert.ok(result.ok);
  assert.deepEqual(noteLines(result), [
    "4:38 services.a.health.timeout: timeout (3s) is longer than interval (1s): probes never overlap, so a slow probe delays the next one",
    "7:24 services.b.health.interval: timeout (2s) is longer than interval (1s): probes never overlap, so a slow probe delays the next one",
  ]);
});

test("an unknown key in health lists the valid keys", (t) => {
  const result = loadYaml(t, services({ a: ["command: [d]", "health: { tcp: 80, retries: 3 }"] }));
  const problems = result.ok ? [] : result.problems;
  assert.deepEqual(problemLines(result), ["4:24 services.a.health.retries: unknown key 'retries'"]);
  assert.equal(
    problems[0]!.expected,
    "one of: tcp, http, exec, log, body, interval, timeout, failures, restart_on",
  );
});

test("restart_on names ports or children the service does not declare: a problem at restart_on", (t) => {
  const result = loadYaml(
    t,
    services({
      a: ["command: [d]", "health: { restart_on: [ports] }"],
      b: ["command: [d]", "health: { restart_on: [children] }", "listen: [80]"],
    }),
  );
  assert.deepEqual(problemLines(result), [
    "4:27 services.a.health.restart_on: restart_on names ports, but the service declares no listen ports (nor its children)",
    "7:27 services.b.health.restart_on: restart_on names children, but the service declares no children",
  ]);
});

test("a oneshot takes no health probe", (t) => {
  const result = loadYaml(t, services({ a: ["type: oneshot", "command: [d]", "health: { tcp: 80 }"] }));
  assert.deepEqual(problemLines(result), [
    "5:5 services.a.health: a oneshot runs to completion: it is not probed while it runs",
  ]);
});
