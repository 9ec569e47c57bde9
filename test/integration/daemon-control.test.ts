import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { CLI, isAlive, TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

describe("the daemon process", () => {
  const env = new TestEnv();
  after(() => env.teardown());

  test("the CLI exits 3 with the exact start command when no daemon runs", () => {
    env.writeConfig('services:\n  t:\n    command: ["{fixtures}/ticker", "{marker}", "0.5"]\n');
    const r = env.cli("status");
    assert.equal(r.code, 3);
    assert.match(r.stderr, /not running/);
    assert.ok(r.stderr.includes(`--config ${env.configFile} daemon --detach`), r.stderr);
  });

  test("a second daemon on the same state dir exits 1 naming the first one's PID", async () => {
    await env.startDaemon();
    const r = env.cli("daemon");
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`already running \\(PID ${env.daemon!.pid}\\)`));
    const sock = statSync(join(env.stateDir, "upkeep.sock"));
    assert.equal(sock.mode & 0o777, 0o600, "the control socket is owner-only");
  });

  test("the lock is released by the kernel at once when the holder is SIGKILLed", async () => {
    await env.killDaemon();
    await env.startDaemon();
    assert.ok(env.daemon!.pid);
  });

  test("SIGUSR1 writes status.txt; SIGTERM stops the services and exits 0", async () => {
    const pid = (await env.waitForService("t", "running", "t running")).pid;
    process.kill(env.daemon!.pid!, "SIGUSR1");
    const dump = await waitFor(
      () => {
        try {
          return readFileSync(join(env.stateDir, "status.txt"), "utf8");
        } catch {
          return null;
        }
      },
      { what: "status.txt" },
    );
    assert.match(dump, new RegExp(`t\\tstate=running\\tdesired=up\\tpid=${pid}`));
    const exited = new Promise<number | null>((r) => env.daemon!.once("exit", (code) => r(code)));
    process.kill(env.daemon!.pid!, "SIGTERM");
    assert.equal(await exited, 0);
    assert.equal(isAlive(pid), false, "the service was stopped");
    env.daemon = null;
  });

  test("daemon --detach returns once the socket answers, shutdown stops everything", () => {
    const r = spawnSync(process.execPath, [CLI, "--config", env.configFile, "daemon", "--detach"], {
      encoding: "utf8",
      env: { ...process.env, UPKEEP_TEST_MARKER: env.marker },
      timeout: 30_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(env.cli("status").code, 0);
    const s = env.cli("shutdown");
    assert.equal(s.code, 0, s.stderr);
    assert.equal(env.cli("status").code, 3);
  });
});
