import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "./load.js";
import type { Config } from "./model.js";
import { DEFAULT_BACKOFF, DEFAULT_LOGS, DEFAULT_START_LIMIT } from "./schema.js";

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "upkeep-load-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function loadOk(file: string, options: { stateDirOverride?: string } = {}): Config {
  const result = loadConfig(file, options);
  assert.ok(result.ok, JSON.stringify(result, null, 2));
  return result.config;
}

test("a full service is resolved: durations in ms, sizes in bytes, paths absolute, env merged", (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, "app"));
  writeFileSync(join(dir, "web.env"), "PORT=1\nFROM_FILE=yes\n");
  const file = join(dir, "upkeep.yaml");
  writeFileSync(
    file,
    `state_dir: ./state
http: { listen: "[::1]:9911" }
socket_group: ops
services:
  web:
    command: "node 'my server.js' --port 8080"
    type: oneshot
    cwd: ./app
    env: { PORT: 8080, DEBUG: true }
    env_file: ./web.env
    user: www-data
    group: 33
    restart: on-failure
    backoff: { initial: 250ms, max: 1m30s, factor: 1.5, jitter: 0, reset_after: 5m }
    start_limit: { burst: 3, interval: 10s, retry_after: 10m }
    stop: { signal: int, timeout: 0 }
    reload_signal: USR1
    logs: { max_size: 1MB, keep: 0, timestamps: true }
`,
  );
  const config = loadOk(file);
  assert.equal(config.file, file);
  assert.equal(config.stateDir, join(dir, "state"));
  assert.deepEqual(config.http, { enabled: true, host: "::1", port: 9911, names: [] });
  assert.equal(config.socketGroup, "ops");
  const [web] = config.services;
  assert.ok(web);
  assert.deepEqual(web.command, ["node", "my server.js", "--port", "8080"]);
  assert.equal(web.type, "oneshot");
  assert.equal(web.cwd, join(dir, "app"));
  assert.deepEqual(web.env, { PORT: "8080", FROM_FILE: "yes", DEBUG: "true" });
  assert.equal(web.envFile, join(dir, "web.env"));
  assert.deepEqual([web.user, web.group, web.restart], ["www-data", "33", "on-failure"]);
  assert.deepEqual(web.backoff, {
    initialMs: 250,
    maxMs: 90_000,
    factor: 1.5,
    jitter: 0,
    resetAfterMs: 300_000,
  });
  assert.deepEqual(web.startLimit, { burst: 3, intervalMs: 10_000, retryAfterMs: 600_000 });
  assert.deepEqual(web.stop, { signal: "SIGINT", timeoutMs: 0 });
  assert.equal(web.reloadSignal, "SIGUSR1");
  assert.deepEqual(web.logs, { maxSizeBytes: 1024 * 1024, keep: 0, timestamps: true });
  assert.deepEqual(web.source, { file, line: 5, column: 3 });
});

test("absent keys take the documented defaults", (t) => {
  const dir = tempDir(t);
  const file = join(dir, "upkeep.yaml");
  writeFileSync(file, "services:\n  web:\n    command: [sleep, 5]\n");
  const config = loadOk(file);
  assert.equal(config.stateDir, join(dir, ".upkeep"));
  assert.deepEqual(config.http, { enabled: true, host: "127.0.0.1", port: 9900, names: [] });
  const web = config.services[0]!;
  assert.deepEqual(web.command, ["sleep", "5"]);
  // No reload unless declared: a program that does not handle SIGHUP would die of it.
  assert.deepEqual(
    [web.type, web.cwd, web.restart, web.reloadSignal, web.reload],
    ["simple", dir, "always", null, null],
  );
  assert.deepEqual(
    [web.backoff, web.startLimit, web.logs],
    [DEFAULT_BACKOFF, DEFAULT_START_LIMIT, DEFAULT_LOGS],
  );
  assert.deepEqual(web.stop, { signal: "SIGTERM", timeoutMs: 10_000 });
  assert.deepEqual([web.env, web.envFile, web.user, web.group, web.pending], [{}, null, null, null, {}]);
});

test("http: false turns the listener off, and the state dir override wins over state_dir", (t) => {
  const dir = tempDir(t);
  const file = join(dir, "upkeep.yaml");
  writeFileSync(file, "state_dir: ./ignored\nhttp: false\nservices: {}\n");
  const config = loadOk(file, { stateDirOverride: join(dir, "chosen") });
  assert.equal(config.http.enabled, false);
  assert.equal(config.stateDir, join(dir, "chosen"));
});

test("an external service's keys are read, its ready probe too; the top-level notify is acted on, without a note", (t) => {
  const dir = tempDir(t);
  const file = join(dir, "upkeep.yaml");
  writeFileSync(
    file,
    `services:
  apache:
    type: external
    pidfile: /var/run/apache2.pid
    start: [/usr/sbin/apachectl, start]
    stop: [/usr/sbin/apachectl, stop]
    listen: [80]
    children:
      - { name: worker, count: 2 }
    ready: { tcp: 80 }
notify:
  on: [crash]
  exec: [/usr/local/bin/page-me]
`,
  );
  const result = loadConfig(file);
  assert.ok(result.ok, JSON.stringify(result));
  const apache = result.config.services[0]!;
  assert.equal(apache.pidfile, "/var/run/apache2.pid");
  assert.deepEqual(apache.startCommand, ["/usr/sbin/apachectl", "start"]);
  assert.deepEqual(apache.stopCommand, ["/usr/sbin/apachectl", "stop"]);
  assert.deepEqual(apache.children, [{ name: "worker", count: 2, listen: [] }]);
  assert.deepEqual(apache.ready, {
    probe: { kind: "tcp", host: "127.0.0.1", port: 80 },
    timeoutMs: 30_000,
    intervalMs: 250,
  });
  assert.deepEqual(apache.pending, {});
  assert.deepEqual(apache.listen, [80], "listen is acted on: checked before each start");
  assert.deepEqual(result.config.pending, {});
  assert.deepEqual(result.config.notify?.on, ["crash"]);
  assert.deepEqual(result.config.notify?.exec?.command, ["/usr/local/bin/page-me"]);
  assert.deepEqual(result.notes, []);
});

test("anchors and aliases are followed", (t) => {
  const dir = tempDir(t);
  const file = join(dir, "upkeep.yaml");
  writeFileSync(
    file,
    "services:\n  a:\n    command: [sleep, 1]\n    env: &shared { MODE: prod }\n  b:\n    command: [sleep, 2]\n    env: *shared\n",
  );
  const config = loadOk(file);
  assert.deepEqual(config.services[1]!.env, { MODE: "prod" });
});

test("a missing config file is one CONFIG_NOT_FOUND problem at 1:1", (t) => {
  const file = join(tempDir(t), "nope.yaml");
  const result = loadConfig(file);
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.equal(result.problems.length, 1);
  assert.deepEqual(
    [
      result.problems[0]!.code,
      result.problems[0]!.file,
      result.problems[0]!.line,
      result.problems[0]!.column,
    ],
    ["CONFIG_NOT_FOUND", file, 1, 1],
  );
  assert.match(result.problems[0]!.message, /ENOENT/);
});

test("an empty config file is valid, with a note that no services are declared", (t) => {
  const file = join(tempDir(t), "upkeep.yaml");
  writeFileSync(file, "# nothing yet\n");
  const result = loadConfig(file);
  assert.ok(result.ok);
  assert.deepEqual(result.config.services, []);
  assert.match(result.notes[0]!.message, /no services/);
});

test("listen takes a list of TCP ports; anything else is a problem at its position", (t) => {
  const dir = tempDir(t);
  const file = join(dir, "upkeep.yaml");
  writeFileSync(
    file,
    `services:
  web:
    command: [node, server.js]
    listen: [8080, 8443, 8080]
  bad:
    command: [node, server.js]
    listen: [0, "http", 70000, 80.5]
  worse:
    command: [node, server.js]
    listen: 8080
`,
  );
  const result = loadConfig(file);
  assert.equal(result.ok, false);
  assert.deepEqual(
    result.problems.map((p) => `${p.line}:${p.column} ${p.code} ${p.keyPath}`),
    [
      "7:14 CONFIG_BAD_VALUE services.bad.listen[0]",
      "7:17 CONFIG_WRONG_TYPE services.bad.listen[1]",
      "7:25 CONFIG_BAD_VALUE services.bad.listen[2]",
      "7:32 CONFIG_BAD_VALUE services.bad.listen[3]",
      "10:13 CONFIG_WRONG_TYPE services.worse.listen",
    ],
  );
  assert.match(result.problems[4]!.expected, /a list of TCP port numbers from 1 to 65535/);
  writeFileSync(file, "services:\n  web:\n    command: [node, server.js]\n    listen: [8080, 8443, 8080]\n");
  const good = loadConfig(file);
  assert.ok(good.ok, JSON.stringify(good));
  assert.deepEqual(good.config.services[0]!.listen, [8080, 8443], "in order, without repeats");
});

test("a key repeated in a mapping is a syntax problem at the repeat, block or flow, nested or not", (t) => {
  const dir = tempDir(t);
  const file = join(dir, "upkeep.yaml");
  writeFileSync(
    file,
    [
      "services:", // 1
      "  web:", // 2
      "    command: [a]", // 3
      "    env: { A: '1', B: '2', A: '3' }", // 4
      "  db:", // 5
      "    command: [b]", // 6
      "    command: [c]", // 7
      "  web:", // 8
      "    command: [d]", // 9
      "",
    ].join("\n"),
  );
  const result = loadConfig(file);
  assert.ok(!result.ok);
  assert.deepEqual(
    result.problems.map((p) => [p.code, p.line, p.message]),
    [
      ["CONFIG_SYNTAX", 4, "YAML syntax: Map keys must be unique"],
      ["CONFIG_SYNTAX", 7, "YAML syntax: Map keys must be unique"],
      ["CONFIG_SYNTAX", 8, "YAML syntax: Map keys must be unique"],
    ],
  );
  assert.equal(result.problems[0]!.column, 28, "the repeated key itself is pointed at");
});

test("keys that only look alike are not repeats: 1 and '1', two .nan keys, one key in two mappings", (t) => {
  const dir = tempDir(t);
  const file = join(dir, "upkeep.yaml");
  writeFileSync(
    file,
    "services:\n  a:\n    command: [x]\n    env: { A: one }\n  b:\n    command: [y]\n    env: { A: one }\n" +
      "extra:\n  1: a\n  '1': b\n  .nan: c\n  .nan: d\n",
  );
  const result = loadConfig(file);
  assert.ok(!result.ok, "the unknown top-level key is a problem of its own");
  assert.deepEqual(
    result.problems.filter((p) => p.code === "CONFIG_SYNTAX"),
    [],
    "none of those keys repeats another",
  );
});
