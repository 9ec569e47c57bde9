import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { after, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

// A forking service running as an ordinary user made its pidfile a FIFO; the root daemon
// opened it with a blocking read and hung in open(2), so nothing else was ever restarted.
// What must never happen again: a pidfile that is a FIFO blocks the daemon. It is refused with
// a reason naming the key, and the other services stay supervised.
const env = new TestEnv();
after(() => env.teardown());

test("a pidfile that is a FIFO is refused at once; another service killed meanwhile is restarted", async () => {
  const pidfile = join(env.dir, "trap.pid");
  execFileSync("mkfifo", [pidfile]);
  env.writeConfig(`
services:
  other:
    command: ["{fixtures}/ticker", "{marker}", "5"]
    backoff: { initial: 0ms }
  trap:
    type: forking
    command: [sh, -c, "exit 0", "{marker}"]
    pidfile: ${pidfile}
    start_timeout: 2s
    backoff: { initial: 100ms }
`);
  await env.startDaemon();
  const first = await env.waitForService("other", "running", "other running");
  // The trap's start command has exited: the daemon now looks at the FIFO pidfile.
  const refused = await waitFor(
    async () => (await env.events("trap")).find((e) => /services\.trap\.pidfile/.test(String(e.reason))),
    { what: "the trap's start to fail naming services.trap.pidfile", timeout: 15_000 },
  );
  assert.match(
    String(refused.reason),
    new RegExp(`${pidfile} is a FIFO \\(named pipe\\), not a regular file`),
  );
  process.kill(first.pid, "SIGKILL");
  const second = await env.waitForService("other", "running", "other restarted", first.pid);
  assert.notEqual(second.pid, first.pid);
});
