// The lifecycle machine without a clock: start path, restart policy, backoff, start limit.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { initialContext, type MachineService } from "./machine.js";
import type { MachineEvent, ServiceState } from "./states.js";
import {
  T0,
  SEC,
  service,
  ev,
  drive,
  runningSince,
  describeExit,
  types,
  backoffMs,
  spawns,
  type Run,
} from "./machine-test-kit.js";

describe("start path", () => {
  test("start from stopped goes to starting, records the attempt and asks for a spawn", () => {
    const t = drive(service(), [[ev.start, T0]], "stopped", initialContext("down"));
    assert.equal(t.state, "starting");
    assert.deepEqual(types(t.effects), ["cancel_timer", "spawn"]);
    assert.equal(t.ctx.desired, "up");
    assert.deepEqual(t.ctx.attempts, [T0]);
  });

  test("spawned stays starting, records PID and start time, and asks for readiness", () => {
    const t = drive(service(), [
      [ev.start, T0],
      [ev.spawned(777), T0 + 5],
    ]);
    assert.equal(t.state, "starting");
    assert.deepEqual(types(t.effects), ["await_ready"]);
    assert.equal(t.ctx.pid, 777);
    assert.equal(t.ctx.startedAt, T0 + 5);
  });

  test("ready moves starting to running with no effect", () => {
    const t = runningSince(service(), T0);
    assert.equal(t.state, "running");
    assert.deepEqual(t.effects, []);
    assert.match(t.reason, /running \(PID 4242\)/);
  });
});

describe("restart policy", () => {
  const cases: {
    type: MachineService["type"];
    restart: MachineService["restart"];
    exit: MachineEvent;
    to: ServiceState;
  }[] = [
    { type: "simple", restart: "always", exit: ev.exit(0), to: "backoff" },
    { type: "simple", restart: "always", exit: ev.exit(1), to: "backoff" },
    { type: "simple", restart: "on-failure", exit: ev.exit(0), to: "exited" },
    { type: "simple", restart: "on-failure", exit: ev.exit(1), to: "backoff" },
    { type: "simple", restart: "on-failure", exit: ev.killed("SIGKILL"), to: "backoff" },
    { type: "simple", restart: "on-failure", exit: ev.vanished, to: "backoff" },
    { type: "simple", restart: "no", exit: ev.exit(1), to: "exited" },
    { type: "simple", restart: "no", exit: ev.exit(0), to: "exited" },
    { type: "oneshot", restart: "always", exit: ev.exit(0), to: "exited" },
    { type: "oneshot", restart: "no", exit: ev.exit(0), to: "exited" },
    { type: "oneshot", restart: "no", exit: ev.exit(3), to: "failed" },
    { type: "oneshot", restart: "on-failure", exit: ev.exit(3), to: "backoff" },
  ];
  for (const c of cases) {
    test(`${c.type} with restart ${c.restart}: ${describeExit(c.exit)} while running → ${c.to}`, () => {
      const svc = service({ type: c.type, restart: c.restart });
      const t = drive(svc, [[c.exit, T0 + SEC]], "running", runningSince(svc, T0).ctx);
      assert.equal(t.state, c.to);
      assert.ok(types(t.effects).includes("kill_tree"), "what is left of the tree is removed");
      assert.ok(types(t.effects).includes("clear_record"), "the record of the dead process is dropped");
      assert.equal(t.ctx.pid, null);
      if (c.exit.type === "exited") assert.equal(t.ctx.lastExitCode, c.exit.code);
    });
  }
});

describe("backoff", () => {
  test("delays grow from initial by factor and stop at max", () => {
    const svc = service({ backoff: { initialMs: 100, factor: 2, maxMs: 1000 } });
    let run = runningSince(svc, T0);
    const delays: (number | undefined)[] = [];
    for (let i = 1; i <= 6; i++) {
      const at = T0 + i * SEC; // each run lasts well under reset_after: a quick crash
      run = drive(svc, [[ev.exit(1), at]], run.state, run.ctx);
      assert.equal(run.state, "backoff");
      delays.push(backoffMs(run.effects));
      assert.equal(run.ctx.timerAt, at + (delays.at(-1) ?? NaN));
      run = drive(
        svc,
        [
          [ev.timer("backoff"), at + 1],
          [ev.spawned(), at + 1],
          [ev.ready, at + 1],
        ],
        run.state,
        run.ctx,
      );
      assert.equal(run.state, "running");
    }
    assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000]);
    assert.equal(run.ctx.restarts, 6);
  });

  const jitter: { random: number; step: number; expect: number }[] = [
    { random: 0, step: 0, expect: 80 }, // 100 - 20%
    { random: 0.5, step: 0, expect: 100 },
    { random: 0.9999999, step: 0, expect: 120 }, // 100 + 20%
    { random: 0, step: 5, expect: 800 }, // max 1000 - 20%
    { random: 0.9999999, step: 5, expect: 1000 }, // jitter never goes past max
  ];
  for (const j of jitter) {
    test(`jitter 0.2 with random=${j.random} at step ${j.step} gives ${j.expect} ms`, () => {
      const svc = service({ backoff: { jitter: 0.2 } });
      const ctx = runningSince(svc, T0, { quickCrashes: j.step }).ctx;
      const t = drive(svc, [[ev.exit(1), T0 + SEC]], "running", ctx, () => j.random);
      assert.equal(backoffMs(t.effects), j.expect);
    });
  }

  test("with backoff.initial 0 the restart is immediate: starting, with a spawn and no timer", () => {
    const svc = service({ backoff: { initialMs: 0 } });
    const t = drive(svc, [[ev.exit(1), T0 + SEC]], "running", runningSince(svc, T0).ctx);
    assert.equal(t.state, "starting");
    assert.deepEqual(types(t.effects), [
      "cancel_timer",
      "kill_tree",
      "clear_record",
      "cancel_timer",
      "spawn",
    ]);
    assert.deepEqual(t.ctx.attempts, [T0, T0 + SEC]);
    assert.equal(t.ctx.timerAt, null);
  });

  for (const [uptime, expect] of [
    [30 * SEC, 100],
    [30 * SEC - 1, 1000],
  ] as const) {
    test(`after ${uptime} ms of uptime (reset_after 30 s) the delay is ${expect} ms`, () => {
      const svc = service();
      const ctx = runningSince(svc, T0, { quickCrashes: 6 }).ctx;
      const t = drive(svc, [[ev.exit(1), T0 + uptime]], "running", ctx);
      assert.equal(backoffMs(t.effects), expect);
      assert.equal(t.ctx.quickCrashes, expect === 100 ? 1 : 7);
    });
  }
});

describe("start limit", () => {
  /** Start, then crash right after each (re)start, until the machine stops restarting. */
  function crashLoop(svc: MachineService, crashes: number): Run {
    let run = drive(svc, [[ev.start, T0]]);
    const all = [...run.all];
    const step = (event: MachineEvent, at: number): void => {
      run = drive(svc, [[event, at]], run.state, run.ctx);
      all.push(...run.effects);
    };
    const state = (): ServiceState => run.state; // read through a call: `step` reassigns `run`
    for (let i = 1; i <= crashes && state() === "starting"; i++) {
      const at = T0 + i * SEC;
      step(ev.spawned(), at);
      step(ev.ready, at);
      step(ev.exit(1), at + 10);
      if (state() === "backoff") step(ev.timer("backoff"), at + 500);
    }
    return { ...run, all };
  }

  test("burst 3 in 60 s: three attempts run, the one after them fails with a reason naming the limit", () => {
    const svc = service({ startLimit: { burst: 3, intervalMs: 60 * SEC } });
    const run = crashLoop(svc, 10);
    assert.equal(run.state, "failed");
    assert.equal(spawns(run.all), 3);
    assert.match(run.reason, /start limit hit: 3 attempts within 60s/);
    assert.match(run.reason, /until `upkeep start` or `upkeep reset`/);
    assert.ok(!types(run.effects).includes("arm_timer"), "without retry_after no timer is armed");
    assert.equal(run.ctx.timerAt, null);
  });

  test("attempts older than the interval no longer count", () => {
    const svc = service({ startLimit: { burst: 2, intervalMs: 10 * SEC } });
    let run = drive(svc, [[ev.start, T0]]);
    for (let i = 1; i <= 6; i++) {
      const at = T0 + i * 11 * SEC; // each crash comes after the previous attempt left the window
      run = drive(
        svc,
        [
          [ev.spawned(), at],
          [ev.exit(1), at + 1],
          [ev.timer("backoff"), at + SEC],
        ],
        run.state,
        run.ctx,
      );
      assert.equal(run.state, "starting", `crash ${i}`);
    }
  });

  test("with retry_after the failure arms a timer, and its firing starts again with a fresh budget", () => {
    const svc = service({ startLimit: { burst: 3, intervalMs: 60 * SEC, retryAfterMs: 600 * SEC } });
    const failed = crashLoop(svc, 10);
    assert.equal(failed.state, "failed");
    assert.match(failed.reason, /trying again in 600s \(retry_after\)/);
    const arm = failed.effects.at(-1);
    assert.deepEqual(arm, { type: "arm_timer", purpose: "retry_after", ms: 600 * SEC });
    const at = T0 + 700 * SEC;
    const t = drive(svc, [[ev.timer("retry_after"), at]], "failed", failed.ctx);
    assert.equal(t.state, "starting");
    assert.ok(types(t.effects).includes("spawn"));
    assert.deepEqual(t.ctx.attempts, [at]);
    assert.equal(t.ctx.quickCrashes, 0);
  });

  for (const request of [ev.start, ev.reset]) {
    test(`${request.type} from failed clears the budget and starts`, () => {
      const svc = service({ startLimit: { burst: 3, retryAfterMs: 600 * SEC } });
      const failed = crashLoop(svc, 10);
      const at = failed.ctx.attempts.at(-1)! + 1;
      const t = drive(svc, [[request, at]], "failed", failed.ctx);
      assert.equal(t.state, "starting");
      assert.deepEqual(types(t.effects), ["cancel_timer", "spawn"], "the pending retry_after is cancelled");
      assert.deepEqual(t.ctx.attempts, [at]);
      assert.equal(t.ctx.quickCrashes, 0);
    });
  }

  test("spawn failures draw from the same budget", () => {
    const svc = service({ startLimit: { burst: 3 } });
    const t = drive(svc, [
      [ev.start, T0],
      [ev.spawnFailed, T0],
      [ev.timer("backoff"), T0 + SEC],
      [ev.spawnFailed, T0 + SEC],
      [ev.timer("backoff"), T0 + 2 * SEC],
      [ev.spawnFailed, T0 + 2 * SEC],
    ]);
    assert.equal(t.state, "failed");
    assert.equal(spawns(t.all), 3);
    assert.match(t.reason, /start limit hit/);
  });
});
