import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createServer, type AddressInfo } from "node:net";
import { after, describe, test } from "node:test";
import { FIXTURES, isAlive, TestEnv } from "../helpers/daemon.js";
import { freePorts, isListening } from "../helpers/ports.js";
import { waitFor } from "../helpers/wait-for.js";

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

describe("leftovers in the service's cgroup are cleaned before a start", () => {
  const env = new TestEnv();
  after(() => env.teardown());

  test("a leftover in the service's own cgroup (here holding its port) is killed before the start, with a marker saying so", async (t) => {
    const [port] = await freePorts(1);
    env.writeConfig(`
services:
  web:
    command: ["{fixtures}/closing-listener", "${port}", "{marker}"]
    listen: [${port}]
`);
    await env.startDaemon();
    const first = await env.waitForService("web", "running", "web running");
    const cgroupLine = readFileSync(`/proc/${first.pid}/cgroup`, "utf8")
      .split("\n")
      .find((l) => l.startsWith("0::"));
    const mount = readFileSync("/proc/self/mountinfo", "utf8")
      .split("\n")
      .find((l) => l.includes(" - cgroup2 "));
    if (
      process.getuid?.() !== 0 ||
      cgroupLine === undefined ||
      mount === undefined ||
      !cgroupLine.includes("/upkeep")
    ) {
      t.skip("needs root and a cgroup2 hierarchy upkeep can place services in (not available here)");
      return;
    }
    const cgroupDir = join(mount.split(" ")[4]!, cgroupLine.slice(3));
    assert.equal(env.cli("stop", "web").code, 0);

    // A leftover: a listener on web's port, placed in web's cgroup (as a lost grandchild would be).
    const leftover = spawn(`${FIXTURES}/closing-listener`, [String(port), env.marker], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    after(() => leftover.kill("SIGKILL"));
    await waitFor(() => isListening(port!), { what: "the leftover to listen" });
    writeFileSync(join(cgroupDir, "cgroup.procs"), String(leftover.pid));

    assert.equal(env.cli("start", "web").code, 0);
    const running = await env.waitForService("web", "running", "web running again");
    await waitFor(() => !isAlive(leftover.pid!), { what: "the leftover to be killed" });
    assert.notEqual(running.pid, leftover.pid);
    const logs = env.cli("logs", "web", "--timestamps").stdout;
    assert.match(logs, new RegExp(`killed leftovers of an earlier run in its cgroup: PIDs ${leftover.pid}`));
  });
});

describe("leftovers proven by this state dir's markers are cleaned before a start, without a cgroup", () => {
  const env = new TestEnv();
  after(() => env.teardown());

  test("a holder with web's and this state dir's markers is killed; one with web's marker alone is only named", async () => {
    const [port] = await freePorts(1);
    env.writeConfig(`
services:
  web:
    command: ["{fixtures}/closing-listener", "${port}", "{marker}"]
    listen: [${port}]
    backoff: { initial: 20ms }
    start_limit: { burst: 2, interval: 60s }
`);
    await env.startDaemon();
    await env.waitForService("web", "running", "web running");
    assert.equal(env.cli("stop", "web").code, 0);
    const stateId = createHash("sha256").update(env.stateDir).digest("hex").slice(0, 12);
    const holder = (extra: Record<string, string>) =>
      spawn(`${FIXTURES}/closing-listener`, [String(port), env.marker], {
        stdio: "ignore",
        env: { ...process.env, UPKEEP_TEST_MARKER: env.marker, UPKEEP_SERVICE: "web", ...extra },
      });

    // Another daemon's web (another state dir): named, never killed.
    const stranger = holder({ UPKEEP_STATE_ID: "0123456789ab" });
    after(() => stranger.kill("SIGKILL"));
    await waitFor(() => isListening(port!), { what: "the stranger to listen" });
    env.cli("start", "web");
    const failed = await env.waitForService("web", "failed", "web refused over the stranger's port");
    assert.match(
      failed.reason,
      new RegExp(`held by PID ${stranger.pid} .*a leftover of an earlier run of web`),
    );
    assert.equal(isAlive(stranger.pid!), true, "a marker alone proves nothing: not killed");
    stranger.kill("SIGKILL");
    await waitFor(async () => !(await isListening(port!)), { what: "the stranger's port to close" });

    // This state dir's own leftover: killed before the start.
    const leftover = holder({ UPKEEP_STATE_ID: stateId });
    after(() => leftover.kill("SIGKILL"));
    await waitFor(() => isListening(port!), { what: "the leftover to listen" });
    const reset = env.cli("reset", "web");
    assert.equal(
      reset.code,
      0,
      reset.stdout + reset.stderr + env.cli("logs", "web", "--timestamps", "-n", "20").stdout,
    );
    const running = await env.waitForService("web", "running", "web running after the cleanup");
    assert.notEqual(running.pid, leftover.pid);
    await waitFor(() => !isAlive(leftover.pid!), { what: "the leftover to be killed" });
    const logs = env.cli("logs", "web", "--timestamps").stdout;
    assert.match(
      logs,
      new RegExp(`killed leftovers of an earlier run holding its ports: PIDs ${leftover.pid}`),
    );
  });
});
