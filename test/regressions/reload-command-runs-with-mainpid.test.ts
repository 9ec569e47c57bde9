import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

// A program that reloads by a command (systemd's ExecReload, `kill -USR2 $MAINPID`,
// `nginx -s reload`) could not be reloaded: upkeep only sent a signal. What must never happen
// again: `reload: { command }` is ignored, runs without $MAINPID, or a command that fails or
// hangs is reported as a reload.
const env = new TestEnv();
after(() => env.teardown());

test("reload.command runs with $MAINPID; a failing or overdue command is a failed reload", async () => {
  const seen = join(env.dir, "mainpid");
  env.writeConfig(`
services:
  cmd:
    command: ["{fixtures}/reloads-on-signal", "{marker}"]
    reload:
      # MAINPID from the environment into the file; the argument $MAINPID is replaced as in systemd.
      command: [sh, -c, 'printenv MAINPID > ${seen}; kill -USR1 "$1"', reload-cmd, $MAINPID]
  failing:
    command: ["{fixtures}/reloads-on-signal", "{marker}"]
    reload: { command: [sh, -c, "exit 3"] }
  hanging:
    command: ["{fixtures}/reloads-on-signal", "{marker}"]
    reload: { command: [sh, -c, "sleep 30", "{marker}"], timeout: 300ms }
`);
  await env.startDaemon();
  const cmd = await env.waitForService("cmd", "running", "cmd running");
  await env.waitForService("failing", "running", "failing running");
  const hanging = await env.waitForService("hanging", "running", "hanging running");
  await waitFor(() => /traps set/.test(env.cli("logs", "cmd").stdout), { what: "cmd's traps set" });

  const r = env.cli("reload", "cmd");
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    new RegExp(`reloaded cmd \\(reload command PID \\d+ exited 0, still running PID ${cmd.pid}\\)`),
  );
  assert.equal(readFileSync(seen, "utf8").trim(), String(cmd.pid));
  await waitFor(() => /reloaded by USR1/.test(env.cli("logs", "cmd").stdout), { what: "cmd's reload line" });
  assert.match(env.cli("logs", "cmd", "--timestamps").stdout, /ran reload command, PID \d+/);

  const bad = env.cli("reload", "failing");
  assert.equal(bad.code, 1, bad.stdout);
  assert.match(bad.stderr, /reload of failing failed: the reload command exited with code 3/);

  const slow = env.cli("reload", "hanging");
  assert.equal(slow.code, 1, slow.stdout);
  assert.match(
    slow.stderr,
    /reload of hanging failed: the reload command did not finish within reload\.timeout \(300ms\)/,
  );
  assert.equal((await env.status("hanging")).pid, hanging.pid, "the service itself is left running");
  assert.ok((await env.events("hanging")).some((e) => e.kind === "reload_failed"));
});
