import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";

// A reload that names a variable in `secret_env` / `password_env` takes it out of the
// environment services inherit. It was taken out only when the reload's `config` event reached
// the notifier, after the reload had already restarted the services whose config changed and
// started the services it added: those processes carried the secret for as long as they ran.
// What must never happen again: a process started by the reload that names a secret, or
// after it, inherits that secret.
const env = new TestEnv();
after(() => env.teardown());

test("the services a reload restarts or adds never inherit the secret it names", async () => {
  const secret = "s3cret-named-by-this-reload";
  env.writeConfig(`
services:
  app:
    command: [sleep, "1000"]
`);
  process.env["UPKEEP_TEST_RELOAD_SECRET_2"] = secret;
  try {
    await env.startDaemon();
  } finally {
    delete process.env["UPKEEP_TEST_RELOAD_SECRET_2"];
  }
  const first = await env.waitForService("app", "running", "app to run");
  assert.ok(readFileSync(`/proc/${first.pid}/environ`, "utf8").includes(secret), "inherited before");
  env.writeConfig(`
notify:
  on: [crash]
  webhook: { url: "http://127.0.0.1:9/hook", secret_env: UPKEEP_TEST_RELOAD_SECRET_2 }
services:
  app:
    command: [sleep, "1001"]
  added:
    command: [sleep, "1002"]
`);
  const reload = env.cli("reload-config");
  assert.equal(reload.code, 0, reload.stderr);
  const restarted = await env.waitForService("app", "running", "app to run again", first.pid);
  const added = await env.waitForService("added", "running", "the added service to run");
  for (const [what, pid] of [
    ["the restarted service", restarted.pid],
    ["the added service", added.pid],
  ] as const) {
    const environ = readFileSync(`/proc/${pid}/environ`, "utf8");
    assert.ok(environ.includes("UPKEEP_TEST_MARKER="), `${what}'s environment was read`);
    assert.ok(!environ.includes(secret), `${what} inherited the secret named by the reload`);
  }
});
