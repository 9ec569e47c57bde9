import assert from "node:assert/strict";
import { after, test } from "node:test";
import { isAlive, TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

// `upkeep reload web` on a `python3 -m http.server` sent SIGHUP (then the default of every
// service), printed "sent SIGHUP" and exited 0: the program does not handle SIGHUP, died of
// it and was restarted. What must never happen again: a service whose config does not say how
// it reloads (reload_signal, reload.command) is sent anything by `upkeep reload`; it is
// refused with the keys to set, and `reload --all` leaves it out and says so.
const env = new TestEnv();
after(() => env.teardown());

test("reload of a service without reload_signal or reload.command is refused and the process is untouched", async () => {
  env.writeConfig(`
services:
  plain:
    command: ["{fixtures}/ticker", "{marker}", "1"]
  hup:
    command: ["{fixtures}/reloads-on-signal", "{marker}"]
    reload_signal: SIGHUP
`);
  await env.startDaemon();
  const before = await env.waitForService("plain", "running", "plain running");
  const hup = await env.waitForService("hup", "running", "hup running");
  await waitFor(() => /traps set/.test(env.cli("logs", "hup").stdout), { what: "hup's traps set" });

  const refused = env.cli("reload", "plain");
  assert.equal(refused.code, 1, refused.stdout);
  assert.match(refused.stderr, /plain has no reload: neither reload_signal nor reload\.command is set/);
  assert.match(
    refused.stderr,
    /hint: set services\.plain\.reload_signal: SIGHUP if the program reloads on SIGHUP/,
  );
  assert.match(refused.stderr, /services\.plain\.reload: \{ command: \[\.\.\.\] \}/);
  assert.match(refused.stderr, /upkeep restart plain/);

  // --all reloads what declares a reload and names what it skipped; its one-second watch of
  // hup is the later marker: plain, had it been signalled, would be dead by then.
  const all = env.cli("reload", "--all");
  assert.equal(all.code, 0, all.stderr);
  assert.match(all.stdout, /skipped plain: no reload_signal or reload\.command set/);
  assert.match(all.stdout, new RegExp(`reloaded hup \\(SIGHUP, still running PID ${hup.pid}\\)`));
  await waitFor(() => /reloaded by HUP/.test(env.cli("logs", "hup").stdout), { what: "hup's reload line" });

  const now = await env.status("plain");
  assert.equal(now.pid, before.pid, "the same process");
  assert.equal(now.restarts, before.restarts, "no restart");
  assert.ok(isAlive(before.pid));
  assert.equal((await env.status("hup")).pid, hup.pid);

  // A service that declares a reload but is not running is refused too, and said so.
  assert.equal(env.cli("stop", "hup").code, 0);
  const stopped = env.cli("reload", "hup");
  assert.equal(stopped.code, 1, stopped.stdout);
  assert.match(stopped.stderr, /hup is stopped, not running: nothing to reload/);
  assert.match(stopped.stderr, /hint: start it: upkeep start hup/);
});
