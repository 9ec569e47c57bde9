import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, type LoadResult } from "./load.js";

function load(t: TestContext, yaml: string): LoadResult {
  const dir = mkdtempSync(join(tmpdir(), "upkeep-types-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "upkeep.yaml");
  writeFileSync(file, yaml);
  return loadConfig(file);
}

function problemsOf(result: LoadResult): string[] {
  return result.ok ? [] : result.problems.map((p) => `${p.line}:${p.column} ${p.keyPath}: ${p.message}`);
}

test("a forking service is read with its pidfile (relative to the config's folder), stop command and start timeout", (t) => {
  const result = load(
    t,
    "services:\n  ngx:\n    type: forking\n    command: [nginx]\n    pidfile: run/nginx.pid\n" +
      "    stop: { command: [nginx, -s, quit], timeout: 5s }\n    start_timeout: 2s\n" +
      "    children:\n      - { name: 'nginx: worker process', count: 2, listen: [8080] }\n" +
      "    health: { restart_on: [children, ports] }\n",
  );
  assert.ok(result.ok, JSON.stringify(result));
  const ngx = result.config.services[0]!;
  assert.equal(ngx.pidfile, join(result.config.file, "..", "run/nginx.pid"));
  assert.deepEqual(ngx.stopCommand, ["nginx", "-s", "quit"]);
  assert.equal(ngx.stop.timeoutMs, 5000);
  assert.equal(ngx.startTimeoutMs, 2000);
  assert.deepEqual(ngx.children, [{ name: "nginx: worker process", count: 2, listen: [8080] }]);
  assert.deepEqual(ngx.restartOn, ["children", "ports"]);
  assert.deepEqual(result.notes, [], "forking is acted on: no note");
});

test("a forking service without a pidfile and an external one without start or a way to find it are refused", (t) => {
  const result = load(t, "services:\n  f:\n    type: forking\n    command: [d]\n  e:\n    type: external\n");
  assert.deepEqual(problemsOf(result), [
    "2:3 services.f.pidfile: forking service 'f' has no pidfile: upkeep cannot know its main process",
    "5:3 services.e.pidfile: external service 'e' has neither pidfile nor match: upkeep cannot find it",
    "5:3 services.e.start: external service 'e' has no start command",
  ]);
});

test("keys of other types are refused, naming the types that use them", (t) => {
  const result = load(
    t,
    "services:\n  s:\n    command: [d]\n    pidfile: /run/s.pid\n    start: [x]\n" +
      "  e:\n    type: external\n    command: [d]\n    match: { comm: d }\n    start: [d]\n",
  );
  const problems = result.ok ? [] : result.problems;
  assert.deepEqual(
    problems.map((p) => `${p.line}:${p.column} ${p.keyPath}`),
    ["4:5 services.s.pidfile", "5:5 services.s.start", "8:5 services.e.command"],
  );
  assert.equal(problems[0]!.message, "pidfile is not used by type 'simple'");
  assert.equal(problems[0]!.expected, "type: forking or external with pidfile, or remove pidfile");
});

test("bad match, children and restart_on values are problems with their positions", (t) => {
  const result = load(
    t,
    "services:\n  e:\n    type: external\n    start: [d]\n    match: { cmdline: '(unclosed' }\n" +
      "    children:\n      - { count: 2 }\n      - { name: w, count: 0 }\n" +
      "    health: { restart_on: [ports, memory] }\n",
  );
  assert.deepEqual(problemsOf(result), [
    "5:23 services.e.match.cmdline: not a valid regular expression: Invalid regular expression: /(unclosed/: Unterminated group",
    "7:9 services.e.children[0].name: a child has no name",
    "8:27 services.e.children[1].count: out of range",
    "9:35 services.e.health.restart_on[1]: unknown value",
  ]);
});

test("a comm longer than the kernel keeps is refused", (t) => {
  const result = load(
    t,
    "services:\n  e:\n    type: external\n    start: [d]\n    match: { comm: a_very_long_process_name }\n",
  );
  assert.match(problemsOf(result)[0]!, /services\.e\.match\.comm: the kernel keeps at most 15 characters/);
});
