import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { chownSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { isAlive, TestEnv } from "../helpers/daemon.js";

// An unprivileged user wrote PID 1 (or any root process's PID) into an external service's
// pidfile: the daemon rightly refused it, but its reason advised `kill 1` and `--force`, and
// `check` repeated it as the remedy. What must never happen again: upkeep advises killing or
// taking over a process that only another user's pidfile names, or lets --force take it.
const env = new TestEnv();
let victim: ChildProcess | null = null;
after(async () => {
  victim?.kill("SIGKILL");
  await env.teardown();
});

test(
  "a pidfile another user wrote is refused with advice about the file only; --force does not take it",
  {
    skip:
      process.getuid?.() !== 0
        ? "needs root: the pidfile must be owned by another user than its process"
        : false,
  },
  async () => {
    victim = spawn("sleep", ["300"], {
      stdio: "ignore",
      env: { ...process.env, UPKEEP_TEST_MARKER: env.marker },
    });
    await new Promise((resolve) => victim!.once("spawn", resolve));
    const pidfile = join(env.dir, "foreign.pid");
    writeFileSync(pidfile, `${victim.pid}\n`);
    chownSync(pidfile, 65534, 65534);
    env.writeConfig(
      `services:\n  foreign:\n    type: external\n    pidfile: ${pidfile}\n    start: [/bin/false, "{marker}"]\n`,
    );
    await env.startDaemon();
    const refused = await env.waitForService("foreign", "failed", "another user's pidfile refused");
    assert.doesNotMatch(refused.reason, /kill \d+|--force/, refused.reason);
    assert.match(refused.reason, new RegExp(`rm ${pidfile}`));
    const check = env.cli("check");
    assert.doesNotMatch(check.stdout, /kill \d+|--force/, check.stdout);
    const forced = env.cli("start", "foreign", "--force");
    assert.notEqual(forced.code, 0, forced.stdout + forced.stderr);
    assert.ok(isAlive(victim.pid!), "the named process was never signalled");
    assert.notEqual((await env.status("foreign")).pid, victim.pid, "nor taken over");
  },
);
