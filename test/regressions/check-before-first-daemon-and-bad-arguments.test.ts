import assert from "node:assert/strict";
import { after, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";

// `check` before any daemon had run said UNKNOWN ("state.db does not exist"), though a daemon
// that is down is CRITICAL with the command that starts it; `check --bogus` exited 2, which a
// monitoring system reads as CRITICAL; `help check` listed two exit-code conventions that
// contradict. What must never happen again: check answers outside the monitoring-plugin rules.
const env = new TestEnv();
after(() => env.teardown());

test("a state dir where no daemon ever ran is CRITICAL, with the start command and every JSON field", () => {
  env.writeConfig(`services:\n  web:\n    command: ["{fixtures}/ticker", "{marker}", "1"]\n`);
  const plain = env.cli("check");
  assert.equal(plain.code, 2, plain.stdout);
  assert.match(plain.stdout, /^UPKEEP CRITICAL - /);
  assert.match(
    plain.stdout,
    /web: expected web running, found never started; do: start the daemon, which starts web: .*daemon --detach/,
  );
  const json = env.cli("check", "--json");
  assert.equal(json.code, 2);
  const report = JSON.parse(json.stdout);
  for (const field of ["status", "summary", "checked_at", "daemon", "problems", "services"]) {
    assert.ok(field in report, `--json has ${field}`);
  }
  assert.equal(report.status, "CRITICAL");
  assert.deepEqual(report.daemon, { running: false, pid: null });
  assert.equal(report.services[0].name, "web");
});

test("bad arguments are UNKNOWN (exit 3) in the plugin's words; -t bounds the check", () => {
  for (const args of [["--bogus"], ["extra"], ["-t"], ["-t", "soon"]]) {
    const r = env.cli("check", ...args);
    assert.equal(r.code, 3, `check ${args.join(" ")}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /^UPKEEP UNKNOWN - /, `check ${args.join(" ")}`);
  }
  const bounded = env.cli("check", "-t", "10");
  assert.equal(bounded.code, 2, bounded.stdout);
  const help = env.cli("help", "check");
  assert.equal(help.code, 0);
  assert.equal(help.stdout.match(/^Exit codes:/gm)?.length, 1, help.stdout);
  assert.match(help.stdout, /^Exit codes: 0 OK · 1 WARNING · 2 CRITICAL · 3 UNKNOWN/m);
});
