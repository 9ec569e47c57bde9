import assert from "node:assert/strict";
import { after, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

// `upkeep reload` sent the signal and reported success at once, also when the service died
// of it. What must never happen again: a reload whose service dies on it is a success. It
// is a failed reload (exit 1, "died on reload", a `reload_failed` event), and the restart
// policy brings the service back as after any death.
const env = new TestEnv();
after(() => env.teardown());

test("a service that dies on its reload signal is a failed reload, then restarted by its policy", async () => {
  env.writeConfig(`
services:
  fragile:
    command: ["{fixtures}/ticker", "{marker}", "1"]
    reload_signal: SIGHUP
    backoff: { initial: 0ms }
`);
  await env.startDaemon();
  const before = await env.waitForService("fragile", "running", "fragile running");

  const r = env.cli("reload", "fragile");
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stderr, /reload of fragile failed: it died on reload \(SIGHUP: killed by SIGHUP\); restart/);
  assert.match(r.stderr, /hint: the program does not survive SIGHUP/);

  const failed = (await env.events("fragile")).find((e) => e.kind === "reload_failed");
  assert.ok(failed, "a reload_failed event");
  assert.match(failed.reason, /died on reload/);
  assert.equal(failed.details.pid, before.pid);

  const after = await env.waitForService("fragile", "running", "fragile restarted", before.pid);
  assert.equal(after.signal, "SIGHUP");
  await waitFor(async () => (await env.status("fragile")).restarts === before.restarts + 1, {
    what: "one restart counted",
  });
});
