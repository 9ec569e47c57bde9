// Every legal config, every event sequence: the machine's numbers stay finite and the wire view
// serializes at every instant. `backoff: { initial: 0 }` once made the delay NaN after a long
// crash loop, and `status --json` answered "internal error" (toISOString of an invalid date).
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { initialContext, transition, type MachineContext, type MachineService } from "../service/machine.js";
import { ev, seeded, T0 } from "../service/machine-test-kit.js";
import { SERVICE_STATES, TIMER_PURPOSES, type MachineEvent, type ServiceState } from "../service/states.js";
import { serializeTimes } from "./serialize.js";

const duration = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 10 * 60_000 }));

/** A service config within what the validator accepts (src/config/validate-policies.ts). */
const legalService: fc.Arbitrary<MachineService> = fc
  .record({
    type: fc.constantFrom("simple", "oneshot", "forking", "external", "notify"),
    restart: fc.constantFrom("always", "on-failure", "no"),
    initialMs: duration,
    extraMaxMs: duration,
    factor: fc.oneof(fc.constant(1), fc.double({ min: 1, max: 1000, noNaN: true })),
    jitter: fc.double({ min: 0, max: 1, noNaN: true }),
    resetAfterMs: duration,
    burst: fc.integer({ min: 1, max: 1000 }),
    intervalMs: fc.integer({ min: 1, max: 3_600_000 }),
    retryAfterMs: fc.option(fc.integer({ min: 1, max: 3_600_000 })),
    stopTimeoutMs: duration,
    gated: fc.boolean(),
  })
  .map((c) => ({
    type: c.type,
    restart: c.restart,
    backoff: {
      initialMs: c.initialMs,
      maxMs: Math.max(1, c.initialMs + c.extraMaxMs),
      factor: c.factor,
      jitter: c.jitter,
      resetAfterMs: c.resetAfterMs,
    },
    startLimit: { burst: c.burst, intervalMs: c.intervalMs, retryAfterMs: c.retryAfterMs },
    stop: { signal: "SIGTERM", timeoutMs: c.stopTimeoutMs },
    after: c.gated ? ["db"] : [],
    condition: null,
  }));

const EVENTS: MachineEvent[] = [
  ev.start,
  ev.stop,
  ev.restart,
  ev.reset,
  ev.ready,
  ev.spawned(4242),
  ev.spawnFailed,
  ev.exit(0),
  ev.exit(1),
  ev.killed("SIGKILL"),
  ev.vanished,
  ...TIMER_PURPOSES.map(ev.timer),
  ev.adopted(4242, T0),
  ev.healthFailed,
  ev.gateOpen,
  ev.gateBlocked,
  ev.notReady,
  ev.dependencyLost,
];

/** Steps of (event, ms since the last step); crash loops of hundreds of steps are common. */
const steps = fc.array(fc.tuple(fc.constantFrom(...EVENTS), fc.integer({ min: 0, max: 120_000 })), {
  maxLength: 400,
});

function assertFiniteContext(ctx: MachineContext, where: string): void {
  for (const key of ["quickCrashes", "restarts", "pid", "startedAt", "timerAt"] as const) {
    const value = ctx[key];
    assert.ok(value === null || Number.isFinite(value), `${where}: ${key} is ${value}`);
  }
  assert.ok(ctx.attempts.every(Number.isFinite), `${where}: attempts ${ctx.attempts.join(",")}`);
}

test("random legal configs and event sequences: finite numbers, a reason, and a wire view at every step", () => {
  fc.assert(
    // A context some way into a crash loop: a few hundred random steps alone rarely reach
    // the thousand quick crashes after which factor^step overflows.
    fc.property(legalService, steps, fc.integer(), fc.nat(5000), (svc, sequence, seed, quickCrashes) => {
      const random = seeded(seed);
      let state: ServiceState = "running";
      let ctx: MachineContext = { ...initialContext("up"), quickCrashes, pid: 4242, startedAt: T0 };
      let now = T0;
      let since = T0;
      for (const [event, gap] of sequence) {
        now += gap;
        const t = transition(state, ctx, event, svc, now, random);
        const where = `${state} × ${event.type} → ${t.state}`;
        assert.ok(SERVICE_STATES.includes(t.state), where);
        assert.ok(t.reason.length > 0 && !t.reason.includes("NaN"), `${where}: reason '${t.reason}'`);
        for (const effect of t.effects) {
          if (effect.type === "arm_timer") {
            assert.ok(Number.isFinite(effect.ms) && effect.ms >= 0, `${where}: timer of ${effect.ms} ms`);
          }
        }
        assertFiniteContext(t.context, where);
        if (t.state !== state) since = now;
        ({ state, context: ctx } = t);
        const wire = serializeTimes(state, ctx, since, now);
        assert.doesNotThrow(() => JSON.stringify(wire), where);
      }
    }),
    { numRuns: 300 },
  );
});

test("backoff initial 0 stays a restart at once, however long the crash loop", () => {
  const svc: MachineService = {
    type: "simple",
    restart: "always",
    backoff: { initialMs: 0, maxMs: 30_000, factor: 2, jitter: 0.2, resetAfterMs: 30_000 },
    startLimit: { burst: 100_000, intervalMs: 1, retryAfterMs: null },
    stop: { signal: "SIGTERM", timeoutMs: 1000 },
    after: [],
    condition: null,
  };
  let state: ServiceState = "stopped";
  let ctx = initialContext("up");
  let now = T0;
  for (const event of [ev.start, ev.spawned(1)])
    ({ state, context: ctx } = transition(state, ctx, event, svc, now, seeded(0)));
  for (let i = 0; i < 3000; i++) {
    now += 5;
    const crash = transition(state, ctx, ev.exit(1), svc, now, seeded(i));
    assert.equal(crash.state, "starting", `crash ${i}: ${crash.reason}`);
    assert.match(crash.reason, /restarting now/);
    ({ state, context: ctx } = transition(crash.state, crash.context, ev.spawned(1), svc, now, seeded(0)));
  }
});
