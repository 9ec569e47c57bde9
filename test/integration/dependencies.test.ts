import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { TestEnv, withTestEnv } from "../helpers/daemon.js";
import { freePorts } from "../helpers/ports.js";
import { waitFor } from "../helpers/wait-for.js";

const at = (e: any): number => Date.parse(e.ts);
const stateEvent = (events: any[], to: string): any =>
  events.find((e) => e.kind === "state" && e.to === to && e.from !== to);

describe("after / requires", () => {
  const env = new TestEnv();
  after(() => env.teardown());

  test("a dependent starts only once its database accepts connections", async () => {
    const [port] = await freePorts(1);
    env.writeConfig(`
services:
  db:
    command: ["{fixtures}/delayed-listener", "${port}", "2500", "{marker}"]
    ready: { tcp: ${port}, timeout: 10s, interval: 100ms }
  web:
    command: ["{fixtures}/needs-port", "${port}", "{marker}"]
    requires: [db]
    restart: "no"
`);
    await env.startDaemon();
    const waiting = await env.waitForService("web", "waiting", "web waiting for db");
    assert.match(waiting.reason, /db is not ready yet \((starting|waiting)\)/);
    assert.equal((await env.status("db")).state, "starting", "db is not ready before it listens");
    const web = await env.waitForService("web", "running", "web running");
    assert.equal(web.restarts, 0, "web never crashed: it did not start before db listened");
    const dbRunning = stateEvent(await env.events("db"), "running");
    const webSpawn = (await env.events("web")).find((e) => e.kind === "spawn");
    assert.ok(at(webSpawn) >= at(dbRunning), "web was spawned after db became ready");
    assert.ok(at(dbRunning) - at((await env.events("db")).find((e) => e.kind === "spawn")) >= 2400);
  });

  test("stopping what is required stops a dependent with on_required_failure: stop; it waits, then comes back", async () => {
    await withTestEnv(async (env2) => {
      env2.writeConfig(`
services:
  db:
    command: ["{fixtures}/ticker", "{marker}"]
  api:
    command: ["{fixtures}/ticker", "{marker}"]
    requires: [db]
    on_required_failure: stop
  reporter:
    command: ["{fixtures}/ticker", "{marker}"]
    requires: [db]
`);
      await env2.startDaemon();
      const api = await env2.waitForService("api", "running", "api running");
      const reporter = await env2.waitForService("reporter", "running", "reporter running");
      assert.equal(env2.cli("stop", "db").code, 0);
      const waiting = await env2.waitForService("api", "waiting", "api stopped and waiting");
      assert.match(
        waiting.reason,
        /requires db, which the operator stopped: start it with `upkeep start db`/,
      );
      assert.equal(waiting.desired, "up", "a dependency stop is not the operator's stop of api");
      assert.equal((await env2.status("reporter")).pid, reporter.pid, "keep (the default) leaves it running");
      // Only an operator can start db again: `start api` says so at once instead of waiting.
      const t0 = Date.now();
      const start = env2.cli("start", "api");
      assert.equal(start.code, 0, start.stderr);
      assert.match(start.stdout, /api is waiting: requires db, which the operator stopped/);
      assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
      assert.equal(env2.cli("start", "db").code, 0);
      const back = await env2.waitForService("api", "running", "api running again");
      assert.notEqual(back.pid, api.pid);
    });
  });

  test("stop --all stops dependents before what they depend on", async () => {
    await withTestEnv(async (env3) => {
      env3.writeConfig(`
services:
  db:
    command: ["{fixtures}/ticker", "{marker}"]
  web:
    command: ["{fixtures}/ignore-term", "{marker}"]
    after: [db]
    stop: { timeout: 700ms }
`);
      await env3.startDaemon();
      await env3.waitForService("web", "running", "web running");
      assert.equal(env3.cli("stop", "--all").code, 0);
      const webStopped = stateEvent(await env3.events("web"), "stopped");
      const dbStopping = stateEvent(await env3.events("db"), "stopping");
      assert.ok(at(dbStopping) >= at(webStopped), "db was asked to stop only after web had stopped");
    });
  });

  test("dependents of a oneshot wait for it to exit 0 (declared before it, too); it is exited afterwards", async () => {
    await withTestEnv(async (env4) => {
      env4.writeConfig(`
services:
  app:
    command: ["{fixtures}/ticker", "{marker}"]
    after: [migrate]
  migrate:
    type: oneshot
    command: ["{fixtures}/exit-after", "{marker}", "0.8", "0"]
`);
      await env4.startDaemon();
      const waiting = await env4.waitForService("app", "waiting", "app waiting for migrate");
      assert.match(waiting.reason, /migrate is not ready yet \(starting\)/);
      await env4.waitForService("app", "running", "app running");
      assert.equal((await env4.status("migrate")).state, "exited");
      const done = stateEvent(await env4.events("migrate"), "exited");
      const spawn = (await env4.events("app")).find((e) => e.kind === "spawn");
      assert.ok(at(spawn) >= at(done));
    });
  });
});

describe("condition", () => {
  const env = new TestEnv();
  after(() => env.teardown());

  test("a service waits, without attempts, until the port of its condition opens", async () => {
    const [port] = await freePorts(1);
    env.writeConfig(`
services:
  peer:
    command: ["{fixtures}/ticker", "{marker}"]
    condition: { tcp: "127.0.0.1:${port}", every: 300ms, timeout: 1s }
    start_limit: { burst: 1 }
`);
    await env.startDaemon();
    const waiting = await waitFor(
      async () => {
        const s = await env.status("peer");
        return s.state === "waiting" && /condition tcp/.test(s.reason) ? s : null;
      },
      { what: "peer waiting on its condition" },
    );
    assert.match(
      waiting.reason,
      new RegExp(`condition tcp 127.0.0.1:${port} does not hold \\(.*\\); next check in 300ms`),
    );
    assert.equal((await env.events("peer")).filter((e) => e.kind === "spawn").length, 0);
    const server = createServer().listen(port, "127.0.0.1");
    try {
      const running = await env.waitForService("peer", "running", "peer running once the port opened");
      assert.equal(running.restarts, 0);
    } finally {
      server.close();
    }
  });

  test("a condition is tried again every `every`, never counted as an attempt, until it holds", async () => {
    env.writeConfig(`
services:
  gated:
    command: ["{fixtures}/ticker", "{marker}"]
    cwd: ${env.dir}
    condition: { exec: [sh, -c, "echo try >> tries; test -e open"], every: 200ms }
    start_limit: { burst: 1 }
`);
    env.cli("reload-config");
    const tries = (): number => {
      try {
        return readFileSync(join(env.dir, "tries"), "utf8").split("\n").filter(Boolean).length;
      } catch {
        return 0; // not tried yet
      }
    };
    await waitFor(() => tries() >= 4, { what: "four tries of the condition" });
    const s = await env.status("gated");
    assert.equal(s.state, "waiting");
    assert.match(s.reason, /condition exec .* does not hold \(exec .*exit code 1.*\); next check in 200ms/);
    writeFileSync(join(env.dir, "open"), "");
    const running = await env.waitForService("gated", "running", "gated running once the condition held");
    assert.equal(running.restarts, 0);
  });
});

describe("dependency cycles", () => {
  const env = new TestEnv();
  after(() => env.teardown());

  test("a cycle is a config error naming it; a reload with one changes nothing that runs", async () => {
    env.writeConfig(`
services:
  a:
    command: ["{fixtures}/ticker", "{marker}"]
`);
    await env.startDaemon();
    const a = await env.waitForService("a", "running", "a running");
    env.writeConfig(`
services:
  a:
    command: ["{fixtures}/ticker", "{marker}"]
    after: [c]
  b:
    command: ["{fixtures}/ticker", "{marker}"]
    requires: [a]
  c:
    command: ["{fixtures}/ticker", "{marker}"]
    after: [b]
`);
    const check = env.cli("config", "check");
    assert.notEqual(check.code, 0);
    assert.match(
      check.stderr + check.stdout,
      /upkeep\.yaml:\d+:\d+: .*dependency cycle: (a → c → b → a|b → a → c → b|c → b → a → c)/,
    );
    const reload = env.cli("reload-config");
    assert.notEqual(reload.code, 0);
    assert.match(reload.stderr, /dependency cycle/);
    const after = await env.status("a");
    assert.equal(after.pid, a.pid, "the running service was not disturbed");
    assert.equal((await env.api("GET", "/api/v1/services/b")).status, 404);
  });
});

describe("dependencies across a daemon restart and a reload", () => {
  const env = new TestEnv();
  after(() => env.teardown());

  test("with every record stale (daemon and services killed), dependents still start after what they require", async () => {
    const [port] = await freePorts(1);
    env.writeConfig(`
services:
  web:
    command: ["{fixtures}/needs-port", "${port}", "{marker}"]
    requires: [db]
    restart: "no"
  db:
    command: ["{fixtures}/delayed-listener", "${port}", "700", "{marker}"]
    ready: { tcp: ${port}, interval: 100ms }
`);
    await env.startDaemon();
    await env.waitForService("web", "running", "web running");
    await env.killDaemon();
    for (const pid of env.markedPids()) process.kill(pid, "SIGKILL");
    await waitFor(() => env.markedPids().length === 0 || null, { what: "every service process gone" });
    await env.startDaemon();
    const web = await env.waitForService("web", "running", "web running after the restart");
    const lastOf = (events: any[], pick: (e: any) => boolean): any => events.filter(pick).at(-1);
    const dbRunning = lastOf(await env.events("db"), (e) => e.kind === "state" && e.to === "running");
    const webSpawn = lastOf(await env.events("web"), (e) => e.kind === "spawn");
    assert.ok(at(webSpawn) >= at(dbRunning), "web was spawned after the new db became ready");
    assert.equal(web.state, "running");
  });

  test("a reload that removes a required service and the requirement leaves the dependent running", async () => {
    env.writeConfig(`
services:
  db:
    command: ["{fixtures}/ticker", "{marker}"]
  api:
    command: ["{fixtures}/ticker", "{marker}"]
    requires: [db]
    on_required_failure: stop
`);
    assert.equal(env.cli("reload-config").code, 0);
    const api = await env.waitForService("api", "running", "api running");
    env.writeConfig(`
services:
  api:
    command: ["{fixtures}/ticker", "{marker}"]
`);
    const reload = env.cli("reload-config");
    assert.equal(reload.code, 0, reload.stderr);
    await waitFor(async () => (await env.api("GET", "/api/v1/services/db")).status === 404 || null, {
      what: "db removed",
    });
    const now = await env.status("api");
    assert.equal(now.state, "running");
    assert.equal(now.pid, api.pid, "api was not stopped with the service it no longer requires");
  });
});
