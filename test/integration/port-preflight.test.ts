import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { after, describe, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";

describe("port pre-flight (SPEC §6)", () => {
  const env = new TestEnv();
  after(() => env.teardown());

  test("a listen port held by another process fails the start, naming the holder; once freed, reset starts it", async () => {
    // The holder: this test process, on a port the kernel picks.
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    const port = (holder.address() as AddressInfo).port;
    after(() => holder.close()); // also when an assertion fails midway
    env.writeConfig(`
services:
  web:
    command: ["{fixtures}/ticker", "{marker}", "0.5"]
    listen: [${port}]
    backoff: { initial: 20ms }
    start_limit: { burst: 2, interval: 60s }
`);
    await env.startDaemon();
    const failed = await env.waitForService("web", "failed", "web failed on the held port");
    const pid = process.pid;
    assert.ok(
      failed.reason.includes(`port ${port} is already held by PID ${pid} (`),
      `the reason names port and holder: ${failed.reason}`,
    );
    assert.ok(failed.reason.includes("not a process of web"), failed.reason);
    assert.ok(
      failed.reason.includes(`stop it (kill ${pid}) or change services.web.listen, then: upkeep reset web`),
    );
    const tickers = env
      .markedPids()
      .filter((p) => readFileSync(`/proc/${p}/cmdline`, "utf8").includes("ticker"));
    assert.deepEqual(tickers, [], "the service's command never ran");
    const logs = env.cli("logs", "web", "--timestamps");
    assert.match(logs.stdout, new RegExp(`not started: port ${port} is already held`));

    await new Promise<void>((resolve) => holder.close(() => resolve()));
    assert.equal(env.cli("reset", "web").code, 0);
    const running = await env.waitForService("web", "running", "web running once the port is free");
    assert.ok(running.pid > 0);
  });
});
