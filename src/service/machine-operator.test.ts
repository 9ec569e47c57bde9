// Operator intent wins (SPEC §3): stop, restart and adoption, without a clock.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { initialContext } from "./machine.js";
import { TIMER_PURPOSES, type MachineEvent } from "./states.js";
import { T0, SEC, service, ev, drive, runningSince, types, spawns } from "./machine-test-kit.js";

describe("operator intent", () => {
  const svc = service({ stop: { signal: "SIGINT", timeoutMs: 5 * SEC } });

  test("stop from running sends the stop signal and arms stop_timeout; the exit leads to stopped", () => {
    const stopping = drive(svc, [[ev.stop, T0 + SEC]], "running", runningSince(svc, T0).ctx);
    assert.equal(stopping.state, "stopping");
    assert.deepEqual(stopping.effects, [
      { type: "cancel_timer" },
      { type: "signal", signal: "SIGINT" },
      { type: "arm_timer", purpose: "stop_timeout", ms: 5 * SEC },
    ]);
    assert.equal(stopping.ctx.desired, "down");
    const stopped = drive(svc, [[ev.killed("SIGINT"), T0 + 2 * SEC]], stopping.state, stopping.ctx);
    assert.equal(stopped.state, "stopped");
    assert.deepEqual(types(stopped.effects), ["cancel_timer", "kill_tree", "clear_record"]);
  });

  test("stop_timeout while stopping kills the whole tree and keeps waiting for the exit", () => {
    const t = drive(
      svc,
      [
        [ev.stop, T0 + SEC],
        [ev.timer("stop_timeout"), T0 + 6 * SEC],
      ],
      "running",
      runningSince(svc, T0).ctx,
    );
    assert.equal(t.state, "stopping");
    assert.deepEqual(t.effects, [{ type: "kill_tree" }]);
    assert.equal(drive(svc, [[ev.killed("SIGKILL"), T0 + 7 * SEC]], t.state, t.ctx).state, "stopped");
  });

  test("restart from running stops, then starts again when the process has exited", () => {
    const stopping = drive(svc, [[ev.restart, T0 + SEC]], "running", runningSince(svc, T0).ctx);
    assert.equal(stopping.state, "stopping");
    assert.ok(types(stopping.effects).includes("signal"));
    const t = drive(svc, [[ev.exit(0), T0 + 2 * SEC]], stopping.state, stopping.ctx);
    assert.equal(t.state, "starting");
    assert.deepEqual(types(t.effects), [
      "cancel_timer",
      "kill_tree",
      "clear_record",
      "cancel_timer",
      "spawn",
    ]);
    assert.equal(t.ctx.startAfterStop, false);
  });

  test("restart is not refused by a crash budget that is used up", () => {
    const limited = service({ startLimit: { burst: 1 } });
    const t = drive(
      limited,
      [
        [ev.restart, T0 + SEC],
        [ev.exit(0), T0 + 2 * SEC],
      ],
      "running",
      runningSince(limited, T0).ctx,
    );
    assert.equal(t.state, "starting");
  });

  test("a health failure restarts a running service through the start limit, and never one the operator stopped", () => {
    const limited = service({ startLimit: { burst: 1 } });
    const used = drive(
      limited,
      [
        [ev.healthFailed, T0 + SEC],
        [ev.exit(0), T0 + 2 * SEC],
      ],
      "running",
      runningSince(limited, T0).ctx,
    );
    assert.equal(used.state, "failed", "the budget of 1 was spent by the first start: not cleared");
    const fresh = drive(svc, [[ev.healthFailed, T0 + SEC]], "running", runningSince(svc, T0).ctx);
    assert.equal(fresh.state, "stopping");
    assert.equal(fresh.ctx.startAfterStop, true);
    const stopping = drive(
      svc,
      [
        [ev.stop, T0 + SEC],
        [ev.healthFailed, T0 + SEC],
      ],
      "running",
      runningSince(svc, T0).ctx,
    );
    assert.equal(stopping.ctx.desired, "down");
    assert.equal(stopping.ctx.startAfterStop, false, "a health failure while stopping starts nothing");
  });

  test("a stop while stopping for a restart cancels the restart", () => {
    const t = drive(
      svc,
      [
        [ev.restart, T0 + SEC],
        [ev.stop, T0 + SEC],
        [ev.exit(0), T0 + 2 * SEC],
      ],
      "running",
      runningSince(svc, T0).ctx,
    );
    assert.equal(t.state, "stopped");
    assert.equal(spawns(t.all), 0);
  });

  test("stop in backoff goes to stopped, and the backoff timer firing later starts nothing", () => {
    const backoff = drive(svc, [[ev.exit(1), T0 + SEC]], "running", runningSince(svc, T0).ctx);
    assert.equal(backoff.state, "backoff");
    const stopped = drive(svc, [[ev.stop, T0 + SEC + 1]], backoff.state, backoff.ctx);
    assert.equal(stopped.state, "stopped");
    assert.deepEqual(stopped.effects, [{ type: "cancel_timer" }]);
    const late = drive(svc, [[ev.timer("backoff"), T0 + 2 * SEC]], stopped.state, stopped.ctx);
    assert.equal(late.state, "stopped");
    assert.deepEqual(late.effects, []);
  });

  test("desired down survives: a backoff timer that beats the stop into backoff starts nothing", () => {
    const ctx = { ...initialContext("down"), timerAt: T0 };
    const t = drive(svc, [[ev.timer("backoff"), T0]], "backoff", ctx);
    assert.equal(t.state, "stopped");
    assert.equal(spawns(t.effects), 0);
    assert.equal(t.ctx.timerAt, null);
  });

  test("a stopped service stays stopped whatever else happens", () => {
    const noise: MachineEvent[] = [
      ...TIMER_PURPOSES.map(ev.timer),
      ev.exit(1),
      ev.vanished,
      ev.ready,
      ev.spawnFailed,
    ];
    const t = drive(
      svc,
      noise.map((e, i): [MachineEvent, number] => [e, T0 + i * SEC]),
      "stopped",
      initialContext("down"),
    );
    assert.equal(t.state, "stopped");
    assert.equal(t.ctx.desired, "down");
    assert.equal(spawns(t.all), 0);
  });
});

describe("adoption", () => {
  test("adopted from stopped with desired up: running with the adopted PID and start time", () => {
    const t = drive(service(), [[ev.adopted(999, T0 - 60 * SEC), T0]], "stopped", initialContext("up"));
    assert.equal(t.state, "running");
    assert.equal(t.ctx.pid, 999);
    assert.equal(t.ctx.startedAt, T0 - 60 * SEC);
    assert.equal(spawns(t.effects), 0, "an adopted process is never started twice");
  });

  test("adopted while desired down: stopping, with the stop signal", () => {
    const t = drive(service(), [[ev.adopted(999, T0 - SEC), T0]], "stopped", initialContext("down"));
    assert.equal(t.state, "stopping");
    assert.deepEqual(types(t.effects), ["cancel_timer", "signal", "arm_timer"]);
  });

  test("adopted while failed with a retry_after pending: running, and no deadline is left shown", () => {
    const ctx = { ...initialContext("up"), timerAt: T0 + 600 * SEC };
    const t = drive(service(), [[ev.adopted(999, T0 - SEC), T0]], "failed", ctx);
    assert.equal(t.state, "running");
    assert.equal(t.ctx.timerAt, null);
  });
});
