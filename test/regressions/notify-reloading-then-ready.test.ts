import assert from "node:assert/strict";
import { after, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

// A notify service answers a reload with RELOADING=1 and is back once it sends READY=1 (the
// sd_notify reload protocol); `upkeep reload` said "sent SIGHUP" at once, before the reload
// had even begun, and a service stuck in its reload was reported reloaded. What must never
// happen again: a reload of a notify service that sent RELOADING=1 reports success before its
// READY=1, or reports success without one.
const env = new TestEnv();
after(() => env.teardown());

test(
  "reload of a notify service waits for READY=1 after RELOADING=1, and fails without it",
  {
    skip: process.env["UPKEEP_NATIVE"] === "0" ? "notify sockets need the native addon" : false,
  },
  async () => {
    env.writeConfig(`
services:
  slow:
    type: notify
    command: ["{fixtures}/notify-reloader", "{marker}", "1.5"]
    reload_signal: SIGHUP
  stuck:
    type: notify
    command: ["{fixtures}/notify-reloader", "{marker}", "never"]
    reload_signal: SIGHUP
    ready: { timeout: 2s }
`);
    await env.startDaemon();
    const slow = await env.waitForService("slow", "running", "slow ready");
    await env.waitForService("stuck", "running", "stuck ready");

    const began = Date.now();
    const r = env.cli("reload", "slow");
    const took = Date.now() - began;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`reloaded slow \\(SIGHUP, READY=1 from PID ${slow.pid}\\)`));
    // The fixture takes 1.5 s between RELOADING=1 and READY=1: longer than the 1 s death watch.
    assert.ok(took >= 1400, `the reload waited for READY=1 (took ${took} ms)`);
    await waitFor(() => /reload done/.test(env.cli("logs", "slow").stdout), { what: "slow's reload line" });

    const s = env.cli("reload", "stuck");
    assert.equal(s.code, 1, s.stdout);
    assert.match(s.stderr, /reload of stuck failed: it sent RELOADING=1 but no READY=1 within 2s/);
    assert.ok((await env.events("stuck")).some((e) => e.kind === "reload_failed"));
  },
);
