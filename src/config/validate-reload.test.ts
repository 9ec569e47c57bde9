import assert from "node:assert/strict";
import { test } from "node:test";
import { loadYaml, problemLines, serviceOf, services } from "./config-test-kit.js";
import { diffConfigs } from "./diff.js";

test("a service has no reload unless its config declares one: reload_signal and reload are null", (t) => {
  const web = serviceOf(loadYaml(t, services({ web: ["command: [sleep, 5]"] })), "web");
  assert.equal(web.reloadSignal, null);
  assert.equal(web.reload, null);
});

test("reload_signal is read as given; reload.command with its timeout (default 30s)", (t) => {
  const result = loadYaml(
    t,
    services({
      a: ["command: [sleep, 5]", "reload_signal: USR2"],
      b: ["command: [sleep, 5]", 'reload: { command: [kill, -HUP, "$MAINPID"] }'],
      c: ["command: [sleep, 5]", "reload: { command: nginx -s reload, timeout: 5s }"],
    }),
  );
  assert.equal(serviceOf(result, "a").reloadSignal, "SIGUSR2");
  assert.deepEqual(serviceOf(result, "b").reload, {
    command: ["kill", "-HUP", "$MAINPID"],
    timeoutMs: 30_000,
  });
  assert.deepEqual(serviceOf(result, "c").reload, { command: ["nginx", "-s", "reload"], timeoutMs: 5_000 });
});

test("reload_signal and reload.command together, reload without a command, a zero timeout are problems", (t) => {
  const result = loadYaml(
    t,
    services({
      both: ["command: [sleep, 5]", "reload_signal: HUP", "reload: { command: [/bin/true] }"],
      bare: ["command: [sleep, 5]", "reload: { timeout: 5s }"],
      zero: ["command: [sleep, 5]", "reload: { command: [/bin/true], timeout: 0 }"],
      kill: ["command: [sleep, 5]", "reload_signal: KILL"],
    }),
  );
  const lines = problemLines(result);
  assert.equal(lines.length, 4, lines.join("\n"));
  assert.match(lines[0]!, /^5:5 services\.both\.reload: a service reloads one way only/);
  assert.match(lines[1]!, /^8:5 services\.bare\.reload\.command: reload has no command/);
  assert.match(lines[2]!, /^11:\d+ services\.zero\.reload\.timeout: /);
  assert.match(lines[3]!, /^14:\d+ services\.kill\.reload_signal: /);
});

test("reload_signal and reload.command are applied live: a change restarts nothing", (t) => {
  const before = serviceOf(loadYaml(t, services({ web: ["command: [sleep, 5]"] })), "web");
  const after = { ...before, reload: { command: ["/bin/true"], timeoutMs: 2_000 } };
  const config = (s: typeof before) => ({
    file: "/x/upkeep.yaml",
    stateDir: "/x/.upkeep",
    http: { enabled: false, host: "127.0.0.1", port: 9900, names: [] },
    socketGroup: null,
    eventsKept: 100_000,
    incidents: { enabled: true, keep: 500, maxAgeMs: 30 * 86_400_000 },
    services: [s],
    notify: null,
    pending: {},
  });
  const plan = diffConfigs(config(before), config(after));
  assert.deepEqual(plan.live, [{ name: "web", keys: ["reload.command", "reload.timeout"] }]);
  assert.deepEqual(plan.restart, []);
});
