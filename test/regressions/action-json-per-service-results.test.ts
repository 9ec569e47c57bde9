import assert from "node:assert/strict";
import { after, test } from "node:test";
import type { ServiceResultJson } from "../../src/cli/render/action-results.js";
import { TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

// The commands that act printed only sentences ("web started (PID 4242): running"): a script
// had to parse them to learn which service failed, and `status` had no answer for "are these
// running?" but a table to grep. What must never happen again: `--json` of start, stop,
// restart, reload, reset or shutdown without one result per service in one shape
// ({service, ok, action, state, pid, message, error?: {code, message, hint}}), an exit code
// that differs from the text mode's, or `status --check` exiting 0 while a named service is
// not running (or anything but 3 then, as `systemctl is-active` does).
const env = new TestEnv();
after(() => env.teardown());

type Result = ServiceResultJson;

function json(args: string[]): { code: number; body: { results: Result[]; error?: Result["error"] } } {
  const r = env.cli(...args);
  assert.equal(r.stdout.trimEnd().split("\n").length, 1, `one JSON document: ${r.stdout}`);
  return { code: r.code, body: JSON.parse(r.stdout) as { results: Result[] } };
}

test("--json gives per-service results with the text mode's exit codes; status --check exits 3 unless all run", async () => {
  env.writeConfig(`
services:
  alpha:
    command: ["{fixtures}/ticker", "{marker}", "1"]
  beta:
    command: ["{fixtures}/ticker", "{marker}", "1"]
  broken:
    command: ["/nonexistent/{marker}"]
    restart: "no"
`);
  await env.startDaemon();
  const alpha = await env.waitForService("alpha", "running", "alpha running");
  await env.waitForService("beta", "running", "beta running");

  // status --check: all running is 0 and one line each; one that is not is 3; quiet is silent.
  const up = env.cli("status", "--check", "alpha", "beta");
  assert.equal(up.code, 0, up.stderr);
  assert.equal(up.stdout, "alpha running\nbeta running\n");
  const broken = await waitFor(async () => ((await env.status("broken")).state === "failed" ? true : null), {
    what: "broken to fail its start",
  });
  assert.ok(broken);
  const down = env.cli("status", "--check", "alpha", "broken");
  assert.equal(down.code, 3, down.stderr);
  assert.equal(down.stdout, "alpha running\nbroken failed\n");
  const quiet = env.cli("status", "--check", "-q", "broken");
  assert.deepEqual([quiet.code, quiet.stdout], [3, ""]);
  const unknown = env.cli("status", "--check", "nosuch");
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no service named 'nosuch'/);
  assert.equal(env.cli("status", "--check").code, 2, "--check needs a NAME");

  // stop --json: each service, its state after, no PID; exit 0.
  const stop = json(["stop", "beta", "--json"]);
  assert.equal(stop.code, 0);
  assert.deepEqual(stop.body.results, [
    { service: "beta", ok: true, action: "stop", state: "stopped", pid: null, message: "beta stopped" },
  ]);
  assert.equal(env.cli("status", "--check", "beta").code, 3, "a stopped service is not running");

  // start --json with one that cannot start: ok false with a code, a message and the fix; exit 1.
  const start = json(["start", "beta", "broken", "--json"]);
  assert.equal(start.code, 1);
  const [beta, failed] = start.body.results;
  assert.equal(beta?.service, "beta");
  assert.equal(beta?.ok, true);
  assert.equal(beta?.action, "start");
  assert.equal(beta?.state, "running");
  assert.equal(typeof beta?.pid, "number");
  assert.equal(beta?.error, undefined);
  assert.equal(failed?.service, "broken");
  assert.equal(failed?.ok, false);
  assert.equal(failed?.state, "failed");
  assert.equal(failed?.error?.code, "SERVICE_ACTION_FAILED");
  assert.equal(failed?.error?.message, failed?.message);
  assert.match(failed?.error?.hint ?? "", /upkeep logs broken/);

  // restart, reload (refused: no reload declared), reset: the same shape, the same exit codes.
  const restart = json(["restart", "alpha", "--json"]);
  assert.equal(restart.code, 0);
  assert.equal(restart.body.results[0]?.action, "restart");
  assert.notEqual(restart.body.results[0]?.pid, alpha.pid, "a new process");
  const reload = json(["reload", "alpha", "--json"]);
  assert.equal(reload.code, 1);
  assert.equal(reload.body.results[0]?.error?.code, "SERVICE_ACTION_FAILED");
  assert.match(reload.body.results[0]?.error?.hint ?? "", /reload_signal/);
  assert.equal(json(["reset", "broken", "--json"]).body.results[0]?.action, "reset");

  // A request that fails whole: JSON on stdout too, the usual message and exit code.
  const nosuch = env.cli("start", "nosuch", "--json");
  assert.equal(nosuch.code, 1);
  assert.equal((JSON.parse(nosuch.stdout) as { error: { code: string } }).error.code, "SERVICE_UNKNOWN");
  assert.match(nosuch.stderr, /no service named 'nosuch'/);

  // shutdown --json: every service's final state, as the daemon told it while stopping.
  const shutdown = json(["shutdown", "--json"]);
  assert.equal(shutdown.code, 0, JSON.stringify(shutdown.body));
  const states = Object.fromEntries(
    shutdown.body.results.map((r) => [r.service, [r.ok, r.action, r.state, r.pid]]),
  );
  assert.deepEqual(states, {
    alpha: [true, "shutdown", "stopped", null],
    beta: [true, "shutdown", "stopped", null],
    broken: [true, "shutdown", "failed", null],
  });

  // With the daemon gone: exit 3 and the error as JSON; status --check is 3 as well.
  const gone = env.cli("stop", "alpha", "--json");
  assert.equal(gone.code, 3);
  assert.equal((JSON.parse(gone.stdout) as { error: { code: string } }).error.code, "DAEMON_NOT_RUNNING");
  assert.equal(env.cli("status", "--check", "alpha").code, 3);
});
