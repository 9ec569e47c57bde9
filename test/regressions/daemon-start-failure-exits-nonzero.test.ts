import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { CLI, TestEnv } from "../helpers/daemon.js";

// A foreground daemon whose start-up failed (there: a service name too long for its log FIFO)
// stopped cleanly and exited 0, so a unit manager or script saw success while nothing ran.
// What must never happen again: a daemon that could not start exits 0.
const env = new TestEnv();
after(() => env.teardown());

test("a daemon whose start-up fails exits non-zero, saying why", async () => {
  env.writeConfig(`
services:
  web:
    command: ["{fixtures}/ticker", "{marker}", "5"]
`);
  // A regular file where the service's log FIFO must be: start-up cannot prepare its output.
  mkdirSync(join(env.stateDir, "logs"), { recursive: true });
  writeFileSync(join(env.stateDir, "logs", "web.out.fifo"), "not a FIFO\n");
  const child = spawn(process.execPath, [CLI, "--config", env.configFile, "daemon"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, UPKEEP_TEST_MARKER: env.marker },
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  // A daemon that did not give up would run on: ended after a bound, and the test then fails.
  const bound = setTimeout(() => child.kill("SIGKILL"), 20_000);
  const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
  clearTimeout(bound);
  assert.match(output, /start-up failed/);
  assert.match(output, /web\.out\.fifo is not a FIFO/);
  assert.equal(code, 1, `exit code 1 (STATE_DIR_UNUSABLE), got ${code}:\n${output}`);
});
