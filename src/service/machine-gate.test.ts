// Dependencies, conditions and readiness in the machine: waiting is not a failure, a
// readiness timeout is a failed start, a lost requirement stops and waits.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { T0, SEC, service, ev, drive, runningSince, types, spawns } from "./machine-test-kit.js";

describe("waiting for dependencies and condition", () => {
  const gated = service({ gated: true, startLimit: { burst: 2 } });

  test("a gated start waits first, asks for the gate and counts no attempt", () => {
    const t = drive(gated, [[ev.start, T0]]);
    assert.equal(t.state, "waiting");
    assert.deepEqual(types(t.effects), ["cancel_timer", "await_gate"]);
    assert.deepEqual(t.ctx.attempts, []);
  });

  test("gate_open spawns and counts the attempt then", () => {
    const t = drive(gated, [
      [ev.start, T0],
      [ev.gateBlocked, T0 + SEC],
      [ev.gateOpen, T0 + 9 * SEC],
    ]);
    assert.equal(t.state, "starting");
    assert.equal(spawns(t.effects), 1);
    assert.deepEqual(t.ctx.attempts, [T0 + 9 * SEC]);
  });

  test("gate_blocked keeps waiting and only says why", () => {
    const t = drive(gated, [
      [ev.start, T0],
      [ev.gateBlocked, T0 + SEC],
    ]);
    assert.equal(t.state, "waiting");
    assert.deepEqual(t.effects, []);
    assert.match(t.reason, /db to be ready/);
  });

  test("a stop while waiting goes to stopped; a late gate_open is ignored", () => {
    const t = drive(gated, [
      [ev.start, T0],
      [ev.stop, T0 + SEC],
      [ev.gateOpen, T0 + 2 * SEC],
    ]);
    assert.equal(t.state, "stopped");
    assert.equal(spawns(t.all), 0);
  });

  test("a crash restart of a gated service waits again after its backoff", () => {
    const t = drive(
      gated,
      [
        [ev.exit(1), T0 + SEC],
        [ev.timer("backoff"), T0 + 2 * SEC],
      ],
      "running",
      runningSince(gated, T0).ctx,
    );
    assert.equal(t.state, "waiting");
  });

  test("the start limit is checked before waiting: over it, failed without waiting", () => {
    const svc = service({
      gated: true,
      restart: "always",
      startLimit: { burst: 1 },
      backoff: { initialMs: 0 },
    });
    const t = drive(
      svc,
      [
        [ev.start, T0],
        [ev.gateOpen, T0],
        [ev.spawned(), T0],
        [ev.exit(1), T0 + 10],
      ],
      "stopped",
    );
    assert.equal(t.state, "failed");
  });
});

describe("readiness timeout", () => {
  test("not_ready while starting kills the tree and restarts after a backoff", () => {
    const t = drive(service(), [
      [ev.start, T0],
      [ev.spawned(), T0],
      [ev.notReady, T0 + 30 * SEC],
    ]);
    assert.equal(t.state, "backoff");
    assert.deepEqual(types(t.effects).slice(0, 3), ["cancel_timer", "kill_tree", "clear_record"]);
    assert.match(t.reason, /not ready: no answer on tcp 8080/);
    assert.equal(t.ctx.pid, null);
  });

  test("with restart: no, a service that is never ready is failed", () => {
    const t = drive(service({ restart: "no" }), [
      [ev.start, T0],
      [ev.spawned(), T0],
      [ev.notReady, T0 + 30 * SEC],
    ]);
    assert.equal(t.state, "failed");
  });

  test("not_ready after the service is running is ignored", () => {
    const run = runningSince(service(), T0);
    const t = drive(service(), [[ev.notReady, T0 + SEC]], "running", run.ctx);
    assert.equal(t.state, "running");
    assert.deepEqual(t.effects, []);
  });
});

describe("a lost requirement", () => {
  const svc = service({ gated: true });

  test("dependency_lost stops a running service, which then waits without counting an attempt", () => {
    const run = runningSince(service(), T0);
    const stopping = drive(svc, [[ev.dependencyLost, T0 + SEC]], "running", run.ctx);
    assert.equal(stopping.state, "stopping");
    const attempts = stopping.ctx.attempts.length;
    const t = drive(svc, [[ev.killed("SIGTERM"), T0 + 2 * SEC]], "stopping", stopping.ctx);
    assert.equal(t.state, "waiting");
    assert.equal(t.ctx.attempts.length, attempts);
    assert.equal(t.ctx.desired, "up");
  });

  test("dependency_lost is ignored for a service the operator stopped", () => {
    const t = drive(svc, [
      [ev.stop, T0],
      [ev.dependencyLost, T0 + SEC],
    ]);
    assert.equal(t.state, "stopped");
    assert.deepEqual(t.effects, []);
  });
});
