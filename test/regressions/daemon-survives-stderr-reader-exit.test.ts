import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, test } from "node:test";
import { CLI, findPidsWithArg, isAlive, isFifoHolder, TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

// `upkeep daemon 2>&1 | logger`, and the logger exits: the daemon's next event line failed
// with EPIPE, Node raised it as an unhandled 'error' event, and the daemon died. The service
// it was about to restart stayed dead and the FIFO holder was left behind. What must never
// happen again: losing the reader of its stderr stops the daemon's supervision.
const env = new TestEnv();
after(() => env.teardown());

test("a daemon whose stderr reader went away goes on restarting services and answering", async () => {
  env.writeConfig(`
services:
  tick:
    command: ["{fixtures}/ticker", "{marker}", "60"]
    backoff: { initial: 0ms }
`);
  const daemon = spawn(process.execPath, [CLI, "--config", env.configFile, "daemon"], {
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
    env: { ...process.env, UPKEEP_TEST_MARKER: env.marker },
  });
  env.daemon = daemon;
  let printed = "";
  daemon.stderr.on("data", (d: Buffer) => (printed += d.toString()));
  const first = await waitFor(
    async () => {
      const r = await env.api("GET", "/api/v1/services/tick").catch(() => null);
      return r?.json?.state === "running" ? r.json : null;
    },
    { what: "tick running", timeout: 20_000 },
  );
  assert.match(printed, /daemon running/);
  // The reader goes away: the daemon's end of the pipe now fails every write with EPIPE.
  daemon.stderr.destroy();
  daemon.stdout.destroy();

  process.kill(first.pid, "SIGKILL");
  const second = await env.waitForService("tick", "running", "tick restarted", first.pid);
  assert.ok(isAlive(daemon.pid!), "the daemon lives");
  const events = (await env.api("GET", "/api/v1/events?n=50")).json.events as any[];
  assert.ok(
    events.some((e) => e.kind === "daemon" && /stderr is gone \(EPIPE\)/.test(e.reason)),
    "an event says that stderr is gone",
  );
  // Another round: the daemon keeps going after the first failed writes too.
  process.kill(second.pid, "SIGKILL");
  await env.waitForService("tick", "running", "tick restarted again", second.pid);
  assert.equal((await env.api("GET", "/api/v1/status")).status, 200);

  // And it still shuts down cleanly: services stopped, no FIFO holder left behind.
  const exited = new Promise<number | null>((r) => daemon.once("exit", (code) => r(code)));
  daemon.kill("SIGTERM");
  assert.equal(await exited, 0);
  // The holder ends on the daemon's SIGTERM; give the kernel a moment to take it off /proc.
  const holders = await waitFor(
    () => {
      const left = findPidsWithArg(env.marker).filter(isFifoHolder);
      return left.length === 0 ? left : null;
    },
    { what: "no FIFO holder left", timeout: 3_000 },
  );
  assert.deepEqual(holders, [], "no FIFO holder is left");
});
