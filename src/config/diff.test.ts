import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { diffConfigs } from "./diff.js";
import { loadConfig } from "./load.js";
import type { Config } from "./model.js";

/** Load two versions of the same config file (same path, so only the content differs). */
function configs(t: TestContext, before: string, after: string): [Config, Config] {
  const dir = mkdtempSync(join(tmpdir(), "upkeep-diff-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "upkeep.yaml");
  const load = (yaml: string): Config => {
    writeFileSync(file, yaml);
    const result = loadConfig(file);
    assert.ok(result.ok, JSON.stringify(result));
    return result.config;
  };
  return [load(before), load(after)];
}

const BASE = `services:
  web:
    command: [node, server.js]
    env: { PORT: "8080" }
  worker:
    command: [node, worker.js]
  old:
    command: [sleep, 100]
`;

test("a changed command means a restart with key 'command'; added, removed and unchanged are listed", (t) => {
  const after = BASE.replace("[node, server.js]", "[node, server2.js]")
    .replace("  old:\n    command: [sleep, 100]\n", "")
    .concat("  fresh:\n    command: [/bin/true]\n");
  const plan = diffConfigs(...configs(t, BASE, after));
  assert.deepEqual(plan, {
    add: ["fresh"],
    remove: ["old"],
    restart: [{ name: "web", keys: ["command"] }],
    live: [],
    unchanged: ["worker"],
    daemon: { keys: [] },
    unverified: [],
  });
});

test("changed env values name the variable, and need a restart", (t) => {
  const after = BASE.replace('{ PORT: "8080" }', '{ PORT: "9090", NEW: "1" }');
  const plan = diffConfigs(...configs(t, BASE, after));
  assert.deepEqual(plan.restart, [{ name: "web", keys: ["env.NEW", "env.PORT"] }]);
});

test("env_inherit needs a restart: the environment is given at spawn", (t) => {
  const after = BASE.replace(
    '    env: { PORT: "8080" }\n',
    '    env: { PORT: "8080" }\n    env_inherit: false\n',
  );
  const plan = diffConfigs(...configs(t, BASE, after));
  assert.deepEqual(plan.restart, [{ name: "web", keys: ["env_inherit"] }]);
});

test("changed backoff, restart policy and logs are applied live, without a restart", (t) => {
  const after = BASE.replace(
    "    command: [node, worker.js]\n",
    "    command: [node, worker.js]\n    restart: on-failure\n    backoff: { initial: 1s }\n    logs: { keep: 2 }\n",
  );
  const plan = diffConfigs(...configs(t, BASE, after));
  assert.deepEqual(plan.restart, []);
  assert.deepEqual(plan.live, [{ name: "worker", keys: ["restart", "backoff.initial", "logs.keep"] }]);
  assert.deepEqual(plan.unchanged, ["web", "old"]);
});

test("a restart lists live keys that changed with it, and daemon keys are listed apart", (t) => {
  const after = `http: false\n${BASE.replace("[node, server.js]", "[node, s.js]\n    stop: { timeout: 1s }")}`;
  const plan = diffConfigs(...configs(t, BASE, after));
  assert.deepEqual(plan.restart, [{ name: "web", keys: ["command", "stop.timeout"] }]);
  assert.deepEqual(plan.daemon.keys, ["http"]);
});

test("identical configs diff to all unchanged", (t) => {
  const plan = diffConfigs(...configs(t, BASE, BASE));
  assert.deepEqual(plan.unchanged, ["web", "worker", "old"]);
  assert.deepEqual([plan.add, plan.remove, plan.restart, plan.live, plan.daemon.keys], [[], [], [], [], []]);
});

const CHECKS = `services:
  db:
    command: [db]
  cache:
    command: [cache]
  web:
    command: [node, server.js]
    ready: { tcp: 8080 }
    health: { http: "http://127.0.0.1:8080/healthz" }
    after: [db]
    condition: { path: /run/up }
    limits: { memory: 500MB }
`;

test("changed readiness, health, dependencies, condition and limits are applied live, naming each key", (t) => {
  const after = CHECKS.replace("{ tcp: 8080 }", "{ tcp: 8081, timeout: 1m }")
    .replace(
      '{ http: "http://127.0.0.1:8080/healthz" }',
      '{ http: "http://127.0.0.1:8080/healthz", body: ok, failures: 5 }',
    )
    .replace("after: [db]", "after: [cache]\n    requires: [db]\n    on_required_failure: stop")
    .replace("{ path: /run/up }", "{ exec: [test, -e, /run/up], every: 1s }")
    .replace("{ memory: 500MB }", "{ memory: 1GB, cpu: 90% }");
  const plan = diffConfigs(...configs(t, CHECKS, after));
  assert.deepEqual(plan.restart, []);
  assert.deepEqual(plan.live, [
    {
      name: "web",
      keys: [
        "ready.tcp",
        "ready.timeout",
        "health.body",
        "health.failures",
        "after",
        "requires",
        "on_required_failure",
        "condition.path",
        "condition.exec",
        "condition.every",
        "limits.memory",
        "limits.cpu",
      ],
    },
  ]);
});

test("a section that comes or goes is named as a whole; a name of after also put in requires is no change of after", (t) => {
  const after = CHECKS.replace("    ready: { tcp: 8080 }\n", "")
    .replace("    limits: { memory: 500MB }\n", "")
    .replace("    after: [db]\n", "    after: [db]\n    requires: [db]\n")
    .replace("  db:\n    command: [db]\n", "  db:\n    command: [db]\n    health: { tcp: 5432 }\n");
  const plan = diffConfigs(...configs(t, CHECKS, after));
  assert.deepEqual(plan.live, [
    { name: "db", keys: ["health.restart_on", "health"] },
    { name: "web", keys: ["ready", "requires", "limits"] },
  ]);
});

test("instances added or removed by a reload are services added or removed", (t) => {
  const before = "services:\n  peer:\n    command: [p, '{instance}']\n    instances: [a, b]\n";
  const plan = diffConfigs(...configs(t, before, before.replace("[a, b]", "[b, c]")));
  assert.deepEqual([plan.add, plan.remove, plan.unchanged], [["peer@c"], ["peer@a"], ["peer@b"]]);
  const plain = diffConfigs(...configs(t, before, "services:\n  peer:\n    command: [p, a]\n"));
  assert.deepEqual([plain.add, plain.remove], [["peer"], ["peer@a", "peer@b"]]);
});
