// Every (state, event) pair is decided: the s6 rule that no cell of the table is left open.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { initialContext, transition, type MachineContext } from "./machine.js";
import {
  MACHINE_EVENT_TYPES,
  SERVICE_STATES,
  TIMER_PURPOSES,
  type MachineEvent,
  type MachineEventType,
  type ServiceState,
} from "./states.js";
import { T0, SEC, service, ev, seeded } from "./machine-test-kit.js";

describe("every state × every event", () => {
  const samples: Record<MachineEventType, MachineEvent[]> = {
    start_requested: [ev.start],
    stop_requested: [ev.stop],
    restart_requested: [ev.restart],
    reset_requested: [ev.reset],
    spawned: [ev.spawned(1234)],
    spawn_failed: [ev.spawnFailed],
    ready: [ev.ready],
    exited: [ev.exit(0), ev.exit(1), ev.killed("SIGSEGV"), ev.vanished],
    timer_fired: TIMER_PURPOSES.map(ev.timer),
    adopted: [ev.adopted(1234, T0 - SEC)],
    health_failed: [ev.healthFailed],
    gate_open: [ev.gateOpen],
    gate_blocked: [ev.gateBlocked],
    not_ready: [ev.notReady],
    dependency_lost: [ev.dependencyLost],
  };
  const services = [
    service(),
    service({ gated: true }),
    service({ type: "oneshot", restart: "no" }),
    service({
      restart: "on-failure",
      backoff: { initialMs: 0 },
      startLimit: { burst: 1, retryAfterMs: SEC },
    }),
  ];
  const contexts: MachineContext[] = [
    initialContext("up"),
    initialContext("down"),
    {
      ...initialContext("up"),
      attempts: [T0 - 2, T0 - 1],
      pid: 77,
      startedAt: T0 - 60 * SEC,
      startAfterStop: true,
      timerAt: T0 + 5,
    },
  ];

  /** Only these states wait on a deadline; in the others none is pending. */
  const WITH_DEADLINE: readonly ServiceState[] = ["stopping", "backoff", "failed"];

  test("MACHINE_EVENT_TYPES lists each event type once", () => {
    assert.deepEqual([...MACHINE_EVENT_TYPES].sort(), Object.keys(samples).sort());
  });

  test("transition decides every pair: a valid state, never a throw, the input untouched", () => {
    let pairs = 0;
    for (const state of SERVICE_STATES) {
      for (const type of MACHINE_EVENT_TYPES) {
        for (const event of samples[type]) {
          for (const svc of services) {
            for (const base of contexts) {
              const ctx = WITH_DEADLINE.includes(state) ? base : { ...base, timerAt: null };
              const frozen = Object.freeze({
                ...ctx,
                attempts: Object.freeze([...ctx.attempts]) as number[],
              });
              const where = `${state} × ${JSON.stringify(event)}`;
              const t = transition(state, frozen, Object.freeze(event), svc, T0, seeded(7));
              assert.ok(SERVICE_STATES.includes(t.state), where);
              assert.ok(t.reason.length > 0, `${where}: a reason is given`);
              assert.deepEqual(frozen, ctx, `${where}: the input context is not changed`);
              // The deadline shown must match the last timer effect asked for.
              const timerOps = t.effects.filter((e) => e.type === "arm_timer" || e.type === "cancel_timer");
              const last = timerOps.at(-1);
              if (last?.type === "arm_timer") assert.equal(t.context.timerAt, T0 + last.ms, where);
              if (last?.type === "cancel_timer") assert.equal(t.context.timerAt, null, where);
              pairs++;
            }
          }
        }
      }
    }
    const events = Object.values(samples).flat().length;
    assert.equal(pairs, SERVICE_STATES.length * events * services.length * contexts.length);
  });
});
