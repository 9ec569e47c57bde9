import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { CLI, TestEnv } from "../helpers/daemon.js";

// Deleting <state_dir>/lock-key.1 under a running daemon let a second daemon make a new key,
// bind a lock name of its own and start on the same state dir: the two fought over the
// services (each killing the other's copy) while `check` said OK. What must never happen
// again: a key file deleted or replaced under a running daemon lets a second one start.
const env = new TestEnv();
after(() => env.teardown());

test("with its lock key deleted, a running daemon still keeps a second one from starting", async () => {
  env.writeConfig(`services:\n  t:\n    command: ["{fixtures}/ticker", "{marker}", "1"]\n`);
  const first = await env.startDaemon();
  for (const name of readdirSync(env.stateDir).filter((n) => n.startsWith("lock-key."))) {
    rmSync(join(env.stateDir, name));
  }
  const second = spawnSync(process.execPath, [CLI, "--config", env.configFile, "daemon"], {
    encoding: "utf8",
    timeout: 20_000, // a second daemon that starts would run until killed here
    killSignal: "SIGKILL",
    env: { ...process.env, UPKEEP_TEST_MARKER: env.marker },
  });
  assert.equal(second.status, 1, `${second.stdout}${second.stderr}`);
  assert.match(second.stderr, new RegExp(`already running \\(PID ${first.pid}\\)`));
  assert.equal((await env.api("GET", "/api/v1/status")).status, 200, "the first daemon still answers");
});
