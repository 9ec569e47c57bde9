import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";

// The daemon takes the variables named by `secret_env` / `password_env` out of the environment
// services inherit. Spawns used a copy of that environment made at the first spawn and kept
// until the state id changed: a reload that named a new variable took it out of process.env,
// but every service started after it still inherited the secret from the stale copy.
const env = new TestEnv();
after(() => env.teardown());

test("a variable named by secret_env at a reload is not inherited by services started after it", async () => {
  const secret = "s3cret-named-at-reload";
  env.writeConfig(`
services:
  app:
    command: [sleep, "1000"]
`);
  // The test daemon inherits this process's environment (helpers/daemon.ts).
  process.env["UPKEEP_TEST_RELOAD_SECRET"] = secret;
  try {
    await env.startDaemon();
  } finally {
    delete process.env["UPKEEP_TEST_RELOAD_SECRET"];
  }
  const first = await env.waitForService("app", "running", "app to run");
  assert.ok(
    readFileSync(`/proc/${first.pid}/environ`, "utf8").includes(secret),
    "before the reload the variable is the daemon's like any other, and inherited",
  );
  env.writeConfig(`
notify:
  on: [crash]
  webhook: { url: "http://127.0.0.1:9/hook", secret_env: UPKEEP_TEST_RELOAD_SECRET }
services:
  app:
    command: [sleep, "1000"]
`);
  const reload = env.cli("reload-config");
  assert.equal(reload.code, 0, reload.stderr);
  const restart = env.cli("restart", "app");
  assert.equal(restart.code, 0, restart.stderr);
  const second = await env.waitForService("app", "running", "app to run again", first.pid);
  const environ = readFileSync(`/proc/${second.pid}/environ`, "utf8");
  assert.ok(environ.includes("UPKEEP_TEST_MARKER="), "the new process's environment was read");
  assert.ok(!environ.includes(secret), "the secret named at the reload is not inherited");
});
