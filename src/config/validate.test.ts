import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "./load.js";
import type { ConfigProblem } from "./model.js";

/** Write `yaml` as upkeep.yaml in a fresh temp dir (removed after the test) and load it. */
function load(t: TestContext, yaml: string): { file: string; problems: ConfigProblem[] } {
  const dir = mkdtempSync(join(tmpdir(), "upkeep-validate-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "upkeep.yaml");
  writeFileSync(file, yaml);
  const result = loadConfig(file);
  return { file, problems: result.ok ? [] : result.problems };
}

function only(problems: ConfigProblem[]): ConfigProblem {
  assert.equal(problems.length, 1, JSON.stringify(problems, null, 2));
  return problems[0]!;
}

test("an unknown key is reported with the valid keys and the closest one suggested", (t) => {
  const p = only(load(t, "services:\n  web:\n    comand: [node, app.js]\n    command: [node]\n").problems);
  assert.equal(p.code, "CONFIG_UNKNOWN_KEY");
  assert.equal(p.keyPath, "services.web.comand");
  assert.match(p.message, /unknown key 'comand'; did you mean 'command'\?/);
  assert.match(p.expected, /^one of: command, type, cwd,/);
  assert.deepEqual([p.line, p.column], [3, 5]);
});

test("an unknown key far from every valid key gets no suggestion", (t) => {
  const p = only(load(t, "services: {}\nzebra: 1\n").problems);
  assert.equal(p.code, "CONFIG_UNKNOWN_KEY");
  assert.doesNotMatch(p.message, /did you mean/);
});

test("a value of the wrong type names what was found and what is valid", (t) => {
  const p = only(load(t, "services:\n  web:\n    command: [node]\n    env: [PORT=1]\n").problems);
  assert.equal(p.code, "CONFIG_WRONG_TYPE");
  assert.equal(p.keyPath, "services.web.env");
  assert.equal(p.got, "a list");
  assert.match(p.expected, /map/);
});

test("a value outside a closed set lists the valid choices", (t) => {
  const p = only(load(t, "services:\n  web:\n    command: [node]\n    restart: sometimes\n").problems);
  assert.equal(p.code, "CONFIG_BAD_VALUE");
  assert.equal(p.keyPath, "services.web.restart");
  assert.equal(p.got, '"sometimes"');
  assert.equal(p.expected, "one of: always, on-failure, no");
});

test("a bad duration is refused with the reason, never replaced by the default", (t) => {
  const { problems } = load(
    t,
    "services:\n  web:\n    command: [node]\n    backoff: { initial: 10 seconds, max: 5 }\n",
  );
  assert.equal(problems.length, 2);
  assert.deepEqual(
    problems.map((p) => [p.code, p.keyPath]),
    [
      ["CONFIG_BAD_VALUE", "services.web.backoff.initial"],
      ["CONFIG_BAD_VALUE", "services.web.backoff.max"],
    ],
  );
  assert.match(problems[0]!.message, /no spaces/);
  assert.match(problems[1]!.message, /unit is missing: write 5s/);
  assert.match(problems[0]!.expected, /250ms, 10s, 5m/);
});

test("a bad size is refused with the reason", (t) => {
  const p = only(
    load(t, "services:\n  web:\n    command: [node]\n    logs: { max_size: 10 parsecs }\n").problems,
  );
  assert.equal(p.code, "CONFIG_BAD_VALUE");
  assert.equal(p.keyPath, "services.web.logs.max_size");
  assert.match(p.message, /unknown unit 'parsecs'/);
  assert.match(p.expected, /10MB/);
});

test("a YAML syntax error is one CONFIG_SYNTAX problem with its line and column", (t) => {
  const p = only(load(t, "services:\n  web:\n    command: node: app.js\n").problems);
  assert.equal(p.code, "CONFIG_SYNTAX");
  assert.deepEqual([p.line, p.column], [3, 14]);
  assert.match(p.message, /^YAML syntax: /);
  const tabs = only(load(t, "services:\n\tweb: {}\n").problems);
  assert.equal(tabs.code, "CONFIG_SYNTAX");
  assert.deepEqual([tabs.line, tabs.column], [2, 1]);
  assert.match(tabs.message, /[Tt]ab/);
});

test("a service without a command is a missing key at the service's name", (t) => {
  const p = only(load(t, "services:\n  web:\n    restart: always\n").problems);
  assert.equal(p.code, "CONFIG_MISSING_KEY");
  assert.equal(p.keyPath, "services.web.command");
  assert.deepEqual([p.line, p.column], [2, 3]);
});

test("an external service needs no command", (t) => {
  assert.deepEqual(
    load(
      t,
      "services:\n  apache:\n    type: external\n    pidfile: /run/apache2.pid\n    start: [apachectl, start]\n",
    ).problems,
    [],
  );
});

test("every problem of a file is reported in one pass, in file order", (t) => {
  const yaml = [
    "state_dir: 5", // 1
    "http: { listen: nowhere }", // 2
    "services:", // 3
    "  bad@name:", // 4
    "    command: node app.js | tee out.log", // 5
    "  web:", // 6
    "    type: simpel", // 7
    "    stop: { signal: SIGFOO, timeout: 1m }", // 8
    "    start_limit: { burst: 0 }", // 9
    "    reload_signal: KILL", // 10
    "  worker:", // 11
    "    command: [run, true]", // 12
    "    backoff: { initial: 1m }", // 13
  ].join("\n");
  const { problems } = load(t, yaml);
  assert.deepEqual(
    problems.map((p) => `${p.line}:${p.column} ${p.code} ${p.keyPath}`),
    [
      "1:12 CONFIG_WRONG_TYPE state_dir",
      "2:17 CONFIG_BAD_VALUE http.listen",
      "4:3 CONFIG_BAD_VALUE services.bad@name",
      "5:14 CONFIG_BAD_VALUE services.bad@name.command",
      "6:3 CONFIG_MISSING_KEY services.web.command",
      "7:11 CONFIG_BAD_VALUE services.web.type",
      "8:21 CONFIG_BAD_VALUE services.web.stop.signal",
      "9:27 CONFIG_BAD_VALUE services.web.start_limit.burst",
      "10:20 CONFIG_BAD_VALUE services.web.reload_signal",
      "12:20 CONFIG_WRONG_TYPE services.worker.command[1]",
      "13:25 CONFIG_BAD_VALUE services.worker.backoff.initial",
    ],
  );
  assert.match(problems[3]!.message, /upkeep never runs a shell; write \[sh, -c, '...'\]/);
  assert.match(problems[10]!.message, /initial \(1m\) is longer than backoff.max \(30s, the default\)/);
});

test("a problem's line and column point at the offending value in a multi-line file", (t) => {
  const yaml = `# upkeep config
state_dir: ./state

services:
  web:
    command: [node, server.js]
    backoff:
      initial: 100ms
      max: 30s
      factor: 2
      jitter:   1.5
`;
  const p = only(load(t, yaml).problems);
  assert.deepEqual([p.line, p.column, p.keyPath, p.got], [11, 17, "services.web.backoff.jitter", "1.5"]);
  assert.equal(p.expected, "a number from 0 to 1");
});
