import assert from "node:assert/strict";
import { test } from "node:test";
import { initialContext, transition, type MachineContext } from "../../src/service/machine.js";
import type { ServiceState } from "../../src/service/states.js";
import { T0, ev, seeded, service } from "../../src/service/machine-test-kit.js";

// With a large start-limit burst, the daemon kept every start attempt of the interval: a
// zero-backoff crash loop made 18 000 in the default minute, and each restart filtered and
// copied that list twice and stored it as JSON three times. A restart's CPU grew with the
// window (1.6 ms after 5 s, 3.1 ms after 20 s, 5.7 ms over 4 minutes). What must never happen
// again: the attempts a service carries grow with how fast it crashes.
test("20 000 crash-loop restarts within one minute leave at most ~100 attempt marks", () => {
  const svc = service({ backoff: { initialMs: 0, jitter: 0 }, startLimit: { burst: 1_000_000_000 } });
  const random = seeded(1);
  let state: ServiceState = "stopped";
  let ctx: MachineContext = initialContext("up");
  const step = (event: Parameters<typeof transition>[2], at: number): void => {
    const t = transition(state, ctx, event, svc, at, random);
    state = t.state;
    ctx = t.context;
  };
  step(ev.start, T0);
  let longest = 0;
  for (let i = 0; i < 20_000; i++) {
    const at = T0 + Math.floor(i * 2.5); // 400 restarts a second: all inside the 60 s window
    step(ev.spawned(1000 + i), at);
    step(ev.ready, at); // a simple service is ready once spawned (the runner sends it)
    assert.equal(state, "running");
    step(ev.exit(0), at + 1);
    assert.equal(state, "starting", `restart ${i}`);
    longest = Math.max(longest, ctx.attempts.length);
  }
  assert.ok(longest <= 101, `the attempts list grew to ${longest} entries`);
  assert.equal(ctx.restarts, 20_000);
});
