import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

// At start-up PID files are written once every service has been started. A daemon SIGKILLed
// in that window left services running without their PID files, and the next daemon adopted
// them without writing any: `pids/NAME.pid` stayed missing until the service restarted.
const env = new TestEnv();
after(() => env.teardown());

test("a daemon that adopts a service writes its PID file again", async () => {
  env.writeConfig(`
services:
  a:
    command: [sleep, "1000"]
  b:
    command: [sleep, "1000"]
`);
  await env.startDaemon();
  const pidFile = (name: string): string => join(env.stateDir, "pids", `${name}.pid`);
  const a = await env.waitForService("a", "running", "a to run");
  const b = await env.waitForService("b", "running", "b to run");
  await waitFor(() => existsSync(pidFile("a")) && existsSync(pidFile("b")), { what: "the PID files" });
  await env.killDaemon();
  // As a kill during start-up leaves them: the processes run, their PID files are not there.
  rmSync(pidFile("a"));
  rmSync(pidFile("b"));
  await env.startDaemon();
  const adopted = await env.waitForService("a", "running", "a to be adopted");
  assert.equal(adopted.pid, a.pid, "the same process, adopted");
  await waitFor(
    () =>
      existsSync(pidFile("a")) &&
      readFileSync(pidFile("a"), "utf8") === String(a.pid) &&
      existsSync(pidFile("b")) &&
      readFileSync(pidFile("b"), "utf8") === String(b.pid),
    { what: "both PID files to be written again" },
  );
});
