import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadYaml, problemLines, serviceOf, services } from "./config-test-kit.js";

/** One service `s` with `command: [d]` and the given key lines. */
const one = (...keys: string[]): string => services({ s: ["command: [d]", ...keys] });

test("tcp probes take a port (host 127.0.0.1), HOST:PORT and [IPv6]:PORT", (t) => {
  const result = loadYaml(
    t,
    services({
      a: ["command: [d]", "ready: { tcp: 8080 }"],
      b: ["command: [d]", 'ready: { tcp: "db.local:5432" }'],
      c: ["command: [d]", 'ready: { tcp: "[::1]:6379" }'],
      d: ["command: [d]", 'condition: { tcp: "9000" }'],
    }),
  );
  assert.deepEqual(serviceOf(result, "a").ready?.probe, { kind: "tcp", host: "127.0.0.1", port: 8080 });
  assert.deepEqual(serviceOf(result, "b").ready?.probe, { kind: "tcp", host: "db.local", port: 5432 });
  assert.deepEqual(serviceOf(result, "c").ready?.probe, { kind: "tcp", host: "::1", port: 6379 });
  assert.deepEqual(serviceOf(result, "d").condition?.probe, { kind: "tcp", host: "127.0.0.1", port: 9000 });
});

test("bad tcp values are refused at the value's position", (t) => {
  const result = loadYaml(
    t,
    services({
      a: ["command: [d]", "ready: { tcp: 70000 }"],
      b: ["command: [d]", 'ready: { tcp: "db.local" }'],
      c: ["command: [d]", "ready: { tcp: 0 }"],
      d: ["command: [d]", "ready: { tcp: [80] }"],
    }),
  );
  assert.deepEqual(problemLines(result), [
    "4:19 services.a.ready.tcp: out of range",
    "7:19 services.b.ready.tcp: 'db.local' is not HOST:PORT",
    "10:19 services.c.ready.tcp: out of range",
    "13:19 services.d.ready.tcp: wrong type",
  ]);
});

test("http probes take an http or https URL and an optional body regex", (t) => {
  const result = loadYaml(
    t,
    services({
      a: ["command: [d]", 'health: { http: "http://127.0.0.1:8080/healthz", body: "^ok$" }'],
      b: ["command: [d]", 'ready: { http: "https://example.com/" }'],
    }),
  );
  assert.deepEqual(serviceOf(result, "a").health?.probe, {
    kind: "http",
    url: "http://127.0.0.1:8080/healthz",
    body: "^ok$",
  });
  assert.deepEqual(serviceOf(result, "b").ready?.probe, {
    kind: "http",
    url: "https://example.com/",
    body: null,
  });
});

test("a bad URL, another scheme, a bad body regex and body without http are problems", (t) => {
  const result = loadYaml(
    t,
    services({
      a: ["command: [d]", "ready: { http: not a url }"],
      b: ["command: [d]", 'ready: { http: "ftp://x/" }'],
      c: ["command: [d]", 'ready: { http: "http://x/", body: "(" }'],
      e: ["command: [d]", "ready: { tcp: 80, body: ok }"],
    }),
  );
  assert.deepEqual(problemLines(result), [
    "4:20 services.a.ready.http: not a URL",
    "7:20 services.b.ready.http: 'ftp:' is not http: or https:",
    "10:39 services.c.ready.body: not a valid regular expression: Invalid regular expression: /(/: Unterminated group",
    "13:23 services.e.ready.body: body is only read by an http probe",
  ]);
});

test("exec probes are commands: an argv list, or a string split like a shell would", (t) => {
  const result = loadYaml(
    t,
    services({
      a: ["command: [d]", "health: { exec: [pg_isready, -p, 5432] }"],
      b: ["command: [d]", "condition: { exec: \"test -e '/run/peer up'\" }"],
      c: ["command: [d]", "ready: { exec: 'check | grep ok' }"],
    }),
  );
  assert.deepEqual(problemLines(result), [
    "10:20 services.c.ready.exec: the command contains the shell operator '|': upkeep never runs a shell; write [sh, -c, '...'] if you need one",
  ]);
  const ok = loadYaml(t, services({ a: ["command: [d]", "health: { exec: [pg_isready, -p, 5432] }"] }));
  assert.deepEqual(serviceOf(ok, "a").health?.probe, { kind: "exec", command: ["pg_isready", "-p", "5432"] });
  const split = loadYaml(t, one("condition: { exec: \"test -e '/run/peer up'\" }"));
  assert.deepEqual(serviceOf(split, "s").condition?.probe, {
    kind: "exec",
    command: ["test", "-e", "/run/peer up"],
  });
});

test("log probes take a regex; notify takes true; path resolves against the config's folder", (t) => {
  const result = loadYaml(
    t,
    services({
      a: ["command: [d]", 'ready: { log: "listening on \\\\d+" }'],
      b: ["command: [d]", "ready: { notify: true }"],
      c: ["command: [d]", "condition: { path: ./peer.up }"],
      e: ["command: [d]", "condition: { path: /run/peer.up }"],
    }),
  );
  assert.deepEqual(serviceOf(result, "a").ready?.probe, { kind: "log", pattern: "listening on \\d+" });
  assert.deepEqual(serviceOf(result, "b").ready?.probe, { kind: "notify" });
  assert.deepEqual(serviceOf(result, "c").condition?.probe, {
    kind: "path",
    path: join(result.dir, "peer.up"),
  });
  assert.deepEqual(serviceOf(result, "e").condition?.probe, { kind: "path", path: "/run/peer.up" });
});

test("a bad log regex, notify: false and an empty path are problems", (t) => {
  const result = loadYaml(
    t,
    services({
      a: ["command: [d]", 'ready: { log: "[" }'],
      b: ["command: [d]", "ready: { notify: false }"],
      c: ["command: [d]", 'condition: { path: "" }'],
    }),
  );
  assert.deepEqual(problemLines(result), [
    "4:19 services.a.ready.log: not a valid regular expression: Invalid regular expression: /[/: Unterminated character class",
    "7:22 services.b.ready.notify: notify: false names no probe",
    "10:24 services.c.condition.path: must not be empty",
  ]);
});

test("two probes in one section, or none, are problems naming the kinds the section takes", (t) => {
  const result = loadYaml(
    t,
    services({
      a: ["command: [d]", "ready: { tcp: 80, log: up }"],
      b: ["command: [d]", "condition: { every: 1s }"],
      c: ["command: [d]", "ready: { timeout: 5s }"],
    }),
  );
  const problems = result.ok ? [] : result.problems;
  assert.deepEqual(problemLines(result), [
    "4:23 services.a.ready.log: ready has 2 probes (tcp, log): a section takes exactly one",
    "7:16 services.b.condition: condition names no probe",
    "10:12 services.c.ready: ready names no probe",
  ]);
  assert.equal(problems[0]!.expected, "one probe, one of: tcp, http, exec, log, notify");
  assert.equal(problems[1]!.expected, "one probe, one of: tcp, http, exec, path");
});

test("a kind the section does not take is an unknown key listing the valid ones, and told once", (t) => {
  const result = loadYaml(
    t,
    services({
      a: ["command: [d]", "ready: { path: /run/x }"],
      b: ["command: [d]", "health: { notify: true }"],
      c: ["command: [d]", "condition: { tpc: 80 }"],
    }),
  );
  const problems = result.ok ? [] : result.problems;
  assert.deepEqual(problemLines(result), [
    "4:14 services.a.ready.path: unknown key 'path'",
    "7:15 services.b.health.notify: unknown key 'notify'",
    "10:18 services.c.condition.tpc: unknown key 'tpc'; did you mean 'tcp'?",
  ]);
  assert.ok(problems.every((p) => p.code === "CONFIG_UNKNOWN_KEY"));
  assert.equal(problems[0]!.expected, "one of: tcp, http, exec, log, notify, body, timeout, interval");
  assert.equal(problems[2]!.expected, "one of: tcp, http, exec, path, body, every, timeout");
});
