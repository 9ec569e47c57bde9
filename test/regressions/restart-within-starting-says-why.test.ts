import assert from "node:assert/strict";
import { after, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";
import { freePorts } from "../helpers/ports.js";
import { waitFor } from "../helpers/wait-for.js";

// A service that died while still `starting` and was restarted at once (`backoff.initial: 0`)
// stayed `starting` with the reason of its first start ("start requested"): the state machine
// decided "exited with code 1; restarting now", but the runner kept a reason, its time and a
// state event only when the state changed, so `status` and `events` hid the crash loop and its
// cause. What must never happen again: a restart decided in `starting` leaves no trace but an
// `exit` event.
const env = new TestEnv();
after(() => env.teardown());

test("a service restarted at once while starting shows why in status and in the events", async () => {
  const [port] = await freePorts(1);
  env.writeConfig(`
services:
  early:
    command: ["{fixtures}/exit-after", "{marker}", "0.3", "1"]
    ready: { tcp: ${port}, timeout: 30s }
    backoff: { initial: 0ms, jitter: 0 }
    start_limit: { burst: 1000, interval: 1m }
`);
  await env.startDaemon();
  const looping = await waitFor(
    async () => {
      const s = await env.status("early");
      return s.restarts >= 2 ? s : null;
    },
    { what: "early to be restarted twice while starting", timeout: 15_000 },
  );
  assert.equal(looping.state, "starting");
  assert.match(looping.reason, /exited with code 1; restarting now/);
  const decided = (await env.events("early")).filter(
    (e) => e.kind === "state" && e.from === "starting" && e.to === "starting",
  );
  assert.ok(decided.length >= 2, "each restart decided in starting is a state event");
  assert.match(decided[0].reason, /exited with code 1; restarting now/);
});
