import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { isAlive, TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

describe("service lifecycle", () => {
  const env = new TestEnv();
  before(async () => {
    env.writeConfig(`
services:
  ticker:
    command: ["{fixtures}/ticker", "{marker}"]
    backoff: { initial: 0ms }
  idle:
    command: ["{fixtures}/ticker", "{marker}", "1"]
`);
    await env.startDaemon();
  });
  after(() => env.teardown());

  test("status --json reports every service running with the fields of SPEC §4", async () => {
    await waitFor(async () => (await env.status("ticker")).state === "running", { what: "ticker running" });
    const r = env.cli("status", "--json");
    assert.equal(r.code, 0, r.stderr);
    const status = JSON.parse(r.stdout);
    assert.equal(status.daemon.pid, env.daemon!.pid);
    const names = status.services.map((s: { name: string }) => s.name);
    assert.deepEqual(names, ["ticker", "idle"]);
    for (const field of [
      "name",
      "state",
      "pid",
      "since",
      "restarts",
      "exit_code",
      "signal",
      "ports",
      "children",
      "rss_bytes",
      "cpu_percent",
      "log_file",
      "reason",
    ]) {
      assert.ok(field in status.services[0], `status --json lacks ${field}`);
    }
    assert.ok(isAlive(status.services[0].pid));
  });

  test("kill -9 of a service restarts it: a new PID, exactly one process, the exit recorded", async () => {
    const before = await env.status("ticker");
    process.kill(before.pid, "SIGKILL");
    const after = await env.waitForService(
      "ticker",
      "running",
      "ticker restarted with a new PID",
      before.pid,
    );
    assert.equal(after.signal, "SIGKILL");
    assert.equal(after.restarts, before.restarts + 1);
    const tickers = env.markedPids().filter((pid) => isAlive(pid) && pid !== env.daemon!.pid);
    // ticker's shell and its current `sleep`, plus idle's: exactly one ticker main process.
    const mains = [after.pid, (await env.status("idle")).pid];
    for (const pid of mains) assert.ok(tickers.includes(pid));
  });

  test("stop keeps a service stopped, also across a daemon restart (operator intent wins)", async () => {
    const pid = (await env.status("idle")).pid;
    const r = env.cli("stop", "idle");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /idle stopped/);
    assert.equal(isAlive(pid), false);
    assert.equal((await env.status("idle")).state, "stopped");
    await env.killDaemon();
    await env.startDaemon();
    const s = await env.status("idle");
    assert.equal(s.state, "stopped");
    assert.equal(s.desired, "down");
    const started = env.cli("start", "idle");
    assert.equal(started.code, 0, started.stderr);
    assert.equal((await env.status("idle")).state, "running");
  });

  test("restart gives a new process and the old one is gone", async () => {
    const before = await env.status("idle");
    const r = env.cli("restart", "idle");
    assert.equal(r.code, 0, r.stderr);
    const after = await env.status("idle");
    assert.notEqual(after.pid, before.pid);
    assert.equal(isAlive(before.pid), false);
  });

  test("reload of a service that declares no reload is refused and leaves the process alone", async () => {
    const before = await env.status("idle");
    const r = env.cli("reload", "idle");
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /idle has no reload: neither reload_signal nor reload\.command is set/);
    assert.match(r.stderr, /upkeep restart idle/);
    const after = await env.status("idle");
    assert.equal(after.pid, before.pid);
    assert.ok(isAlive(before.pid));
  });

  test("an unknown service name is an error naming the known services", () => {
    const r = env.cli("stop", "nope");
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no service named 'nope'/);
    assert.match(r.stderr, /ticker, idle/);
  });
});
