import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, describe, test } from "node:test";
import { TestEnv, isAlive } from "../helpers/daemon.js";
import { freePorts } from "../helpers/ports.js";
import { waitFor } from "../helpers/wait-for.js";

const at = (e: any): number => Date.parse(e.ts);
const REDIS = "/usr/bin/redis-server";

describe("readiness", () => {
  const env = new TestEnv();
  after(() => env.teardown());

  test("log: starting until the line appears, then running", async () => {
    const [port] = await freePorts(1);
    env.writeConfig(`
services:
  slow:
    command: ["{fixtures}/log-ready", "2000", "{marker}"]
    ready: { log: "^ready to serve$", timeout: 10s }
  web:
    command: ["{fixtures}/health-server", "${port}", "{marker}"]
    ready: { http: "http://127.0.0.1:${port}/healthz", body: "^ok$", interval: 100ms }
`);
    await env.startDaemon();
    assert.equal((await env.status("slow")).state, "starting", "the line is not there yet");
    await env.waitForService("slow", "running", "slow ready");
    const events = await env.events("slow");
    const spawned = events.find((e) => e.kind === "spawn");
    const running = events.find((e) => e.kind === "state" && e.to === "running");
    assert.ok(at(running) - at(spawned) >= 1900, "running only once the line was written");
    assert.match(running.reason, /ready: output line "ready to serve"/);
    await env.waitForService("web", "running", "web ready by http");
  });

  test("a readiness timeout is a failed start: the process is removed", async () => {
    const [port] = await freePorts(1);
    env.writeConfig(`
services:
  never:
    command: ["{fixtures}/ticker", "{marker}"]
    ready: { tcp: ${port}, timeout: 1s, interval: 100ms }
    restart: "no"
`);
    env.cli("reload-config");
    const failed = await env.waitForService("never", "failed", "never failed");
    assert.match(
      failed.reason,
      new RegExp(`not ready: tcp 127.0.0.1:${port} did not pass within 1s; last try: .*refused`),
    );
    const spawn = (await env.events("never")).find((e) => e.kind === "spawn");
    // The state is `failed` as the kill begins (machine.ts, onNotReady); the tree goes right after.
    await waitFor(() => !isAlive(spawn.details.pid), { what: "the process that never became ready gone" });
  });
});

describe("a stop during a readiness wait", () => {
  const env = new TestEnv();
  after(() => env.teardown());

  test("acts at once: the wait does not hold the service's queue", async () => {
    const [port] = await freePorts(1);
    env.writeConfig(`
services:
  slowpoke:
    command: ["{fixtures}/ticker", "{marker}"]
    ready: { tcp: ${port}, timeout: 60s }
`);
    await env.startDaemon();
    const starting = await env.waitForService("slowpoke", "starting", "slowpoke starting");
    const t0 = Date.now();
    const stop = env.cli("stop", "slowpoke");
    assert.equal(stop.code, 0, stop.stderr);
    assert.ok(Date.now() - t0 < 10_000, "stopped long before ready.timeout");
    assert.equal((await env.status("slowpoke")).state, "stopped");
    assert.equal(isAlive(starting.pid), false);
  });
});

describe("notify readiness from a real daemon", () => {
  const env = new TestEnv();
  after(() => env.teardown());

  test("redis-server --supervised systemd is running once it sent READY=1", async () => {
    // Not a skip: the README's test command installs redis-server (scripts/install-test-deps.sh).
    if (!existsSync(REDIS)) assert.fail(`${REDIS} is missing: install Debian's redis-server`);
    const [port] = await freePorts(1);
    env.writeConfig(`
services:
  redis:
    type: notify
    command: [${REDIS}, --port, "${port}", --bind, 127.0.0.1, --save, "", --appendonly, "no",
              --supervised, systemd, --daemonize, "no", --dir, ${env.dir}, --pidfile, "", --logfile, ""]
    ready: { notify: true, timeout: 15s }
    listen: [${port}]
`);
    await env.startDaemon();
    if (process.env["UPKEEP_NATIVE"] === "0") {
      // Without the addon there is no datagram socket to offer: the start fails and says why.
      const failed = await waitFor(
        async () => {
          const s = await env.status("redis");
          return /native addon/.test(s.reason) ? s : null;
        },
        { what: "redis refused for want of the addon" },
      );
      assert.match(failed.reason, /notify readiness needs the native addon/);
      return;
    }
    const running = await env.waitForService("redis", "running", "redis ready", undefined);
    const readyEvent = (await env.events("redis")).find((e) => e.kind === "state" && e.to === "running");
    assert.match(readyEvent.reason, new RegExp(`ready: READY=1 from PID ${running.pid}`));
    const log = env.cli("logs", "redis", "-n", "200").stdout;
    assert.match(log, /Ready to accept connections/);
    assert.ok(running.pid > 0);
    await waitFor(async () => (await env.status("redis")).ports.includes(port), {
      what: "redis listening",
    });
    // What redis said of itself last, as systemctl status shows it.
    assert.equal((await env.status("redis")).notify_status, "Ready to accept connections");
  });
});
