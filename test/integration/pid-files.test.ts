import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { CLI, withTestEnv, type TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

// `<state_dir>/pids/NAME.pid` (docs/daemon.md). At start-up the daemon writes them once every
// service has been started, so these tests check that they all come, hold the right PIDs, follow
// restarts and stops, and that a stop during start-up does not wait forever for them.

function fleet(count: number): string {
  const lines = ["services:"];
  for (let i = 0; i < count; i++) lines.push(`  s${i}:`, `    command: [sleep, "1000"]`);
  return `${lines.join("\n")}\n`;
}

function pidFile(env: TestEnv, service: string): string | null {
  const path = join(env.stateDir, "pids", `${service}.pid`);
  return existsSync(path) ? readFileSync(path, "utf8") : null;
}

describe("PID files", () => {
  test("after a cold start every service's PID file holds its PID; a restart replaces it, a stop removes it", async () => {
    await withTestEnv(async (env) => {
      env.writeConfig(fleet(40));
      await env.startDaemon();
      const services = await waitFor(
        async () => {
          const r = await env.api("GET", "/api/v1/status");
          const all = r.json.services as { name: string; state: string; pid: number }[];
          return all.length === 40 && all.every((s) => s.state === "running") ? all : null;
        },
        { what: "all 40 services to run" },
      );
      await waitFor(() => services.every((s) => pidFile(env, s.name) === String(s.pid)), {
        what: "every PID file to hold its service's PID",
      });
      const restart = env.cli("restart", "s3");
      assert.equal(restart.code, 0, restart.stderr);
      const again = await env.waitForService("s3", "running", "s3 to run again", services[3]!.pid);
      await waitFor(() => pidFile(env, "s3") === String(again.pid), { what: "s3's PID file to follow" });
      const stop = env.cli("stop", "s5");
      assert.equal(stop.code, 0, stop.stderr);
      await waitFor(() => pidFile(env, "s5") === null, { what: "s5's PID file to go" });
    });
  });

  test("a SIGTERM in the middle of a cold start stops every service, PID files included", async () => {
    await withTestEnv(async (env) => {
      env.writeConfig(fleet(300));
      const child = spawn(process.execPath, [CLI, "--config", env.configFile, "daemon"], {
        stdio: ["ignore", "ignore", "pipe"],
        env: { ...process.env, UPKEEP_TEST_MARKER: env.marker },
      });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      // Some services run, the start-up is not over (the socket answers only after it).
      await waitFor(() => env.markedPids().length >= 20, {
        what: "the first services to start",
        interval: 5,
      });
      child.kill("SIGTERM");
      const code = await Promise.race([
        exited,
        new Promise<"hung">((resolve) => setTimeout(() => resolve("hung"), 30_000).unref()),
      ]);
      assert.equal(code, 0, `the daemon's exit (stderr: ${stderr})`);
      assert.deepEqual(env.markedPids(), [], "no service is left running");
      const pids = join(env.stateDir, "pids");
      for (let i = 0; i < 300; i++)
        assert.equal(pidFile(env, `s${i}`), null, `no PID file is left (${pids})`);
    });
  });
});
