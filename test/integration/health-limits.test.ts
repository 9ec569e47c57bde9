import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";
import { freePorts } from "../helpers/ports.js";
import { startWebTurningUnhealthy } from "../helpers/unhealthy-web.js";
import { waitFor } from "../helpers/wait-for.js";

describe("health probes", () => {
  const env = new TestEnv();
  after(() => env.teardown());

  test("an http probe that begins to fail: unhealthy, restarted, then recovered", async () => {
    const first = await startWebTurningUnhealthy(env);
    const { port } = first;
    const unhealthy = await waitFor(
      async () => (await env.events("web")).find((e) => e.kind === "unhealthy") ?? null,
      { what: "an unhealthy event" },
    );
    assert.match(
      unhealthy.reason,
      new RegExp(`http http://127.0.0.1:${port}/healthz failed 2 times in a row`),
    );
    assert.match(unhealthy.reason, /status 503/);
    assert.match(unhealthy.reason, /restarting it/);
    const second = await env.waitForService("web", "running", "web restarted", first.pid);
    assert.equal(second.restarts >= 0, true);
    const recovered = await waitFor(
      async () => (await env.events("web")).find((e) => e.kind === "recovered") ?? null,
      { what: "a recovered event from the new process" },
    );
    assert.match(recovered.reason, new RegExp(`PID ${second.pid}`));
  });

  test("restart_on: [] reports but keeps the process", async () => {
    const [port] = await freePorts(1);
    env.writeConfig(`
services:
  quiet:
    command: ["{fixtures}/health-server", "${port}", "{marker}"]
    ready: { tcp: ${port}, interval: 100ms }
    health: { http: "http://127.0.0.1:${port}/healthz", interval: 200ms, failures: 1, restart_on: [] }
`);
    env.cli("reload-config");
    const s = await env.waitForService("quiet", "running", "quiet running");
    process.kill(s.pid, "SIGUSR1");
    const unhealthy = await waitFor(
      async () => (await env.events("quiet")).find((e) => e.kind === "unhealthy") ?? null,
      { what: "an unhealthy event for quiet" },
    );
    assert.match(unhealthy.reason, /not restarted/);
    const now = await env.status("quiet");
    assert.equal(now.pid, s.pid);
    assert.equal(now.health.failing, true);
    assert.match(now.health.last, /status 503/);
    // It runs but does not answer: check says so, with what to do.
    const check = env.cli("check");
    assert.equal(check.code, 2, check.stdout);
    assert.match(check.stdout, /^UPKEEP CRITICAL/);
    assert.match(
      check.stdout,
      new RegExp(
        `quiet: expected health probe http http://127.0.0.1:${port}/healthz passing.*status 503.*upkeep restart quiet`,
      ),
    );
  });
});

describe("a log heartbeat", () => {
  const env = new TestEnv();
  after(() => env.teardown());

  test("a service that stops writing its heartbeat line is unhealthy and restarted", async () => {
    env.writeConfig(`
services:
  beat:
    command: ["{fixtures}/ticker", "{marker}", "0.1"]
    health: { log: '^tick \\d+$', interval: 500ms, timeout: 200ms, failures: 2 }
    backoff: { initial: 50ms }
    stop: { timeout: 500ms } # a stopped process does not act on SIGTERM: SIGKILL soon
`);
    await env.startDaemon();
    const first = await env.waitForService("beat", "running", "beat running");
    await waitFor(async () => (await env.status("beat")).health?.failures === 0 || null, {
      what: "a passing heartbeat",
    });
    process.kill(first.pid, "SIGSTOP"); // alive, but silent
    const unhealthy = await waitFor(
      async () => (await env.events("beat")).find((e) => e.kind === "unhealthy") ?? null,
      { what: "an unhealthy event for the silent service" },
    );
    assert.match(unhealthy.reason, /log \/\^tick \\d\+\$\/ failed 2 times in a row/);
    assert.match(unhealthy.reason, /no matching output line for \d+s/);
    await env.waitForService("beat", "running", "beat restarted", first.pid);
  });
});

describe("limits", () => {
  const env = new TestEnv();
  after(() => env.teardown());

  test("a memory hog over its limit for the window is restarted, with the figures", async () => {
    env.writeConfig(`
services:
  hog:
    command: ["{fixtures}/memory-hog", "150", "{marker}"]
    limits: { memory: 80MB, window: 1s }
    backoff: { initial: 50ms }
`);
    await env.startDaemon();
    const first = await env.waitForService("hog", "running", "hog running");
    const limit = await waitFor(
      async () => (await env.events("hog")).find((e) => e.kind === "limit") ?? null,
      { what: "a limit event", timeout: 15_000 },
    );
    assert.match(limit.reason, /memory \d+\.\d MB \(peak \d+\.\d MB\) over its limit of 80\.0 MB for 1s/);
    assert.ok(limit.details.rss_bytes > 80 * 1024 * 1024, `rss ${limit.details.rss_bytes}`);
    assert.equal(limit.details.memory_limit_bytes, 80 * 1024 * 1024);
    assert.equal(limit.details.pid, first.pid);
    await env.waitForService("hog", "running", "hog restarted", first.pid);
  });

  test("a CPU hog over its limit for the window is restarted, with the figures", async () => {
    env.writeConfig(`
services:
  spinner:
    command: ["{fixtures}/cpu-hog", "{marker}"]
    limits: { cpu: 40%, window: 1s }
    backoff: { initial: 50ms }
`);
    env.cli("reload-config");
    const first = await env.waitForService("spinner", "running", "spinner running");
    const limit = await waitFor(
      async () => (await env.events("spinner")).find((e) => e.kind === "limit") ?? null,
      { what: "a CPU limit event", timeout: 15_000 },
    );
    assert.match(limit.reason, /CPU \d+% \(peak \d+%\) over its limit of 40% for 1s/);
    assert.ok(limit.details.cpu_percent > 40, `cpu ${limit.details.cpu_percent}%`);
    assert.deepEqual(limit.details.over, ["cpu"]);
    await env.waitForService("spinner", "running", "spinner restarted", first.pid);
  });
});
