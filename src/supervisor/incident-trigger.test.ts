import assert from "node:assert/strict";
import { test } from "node:test";
import type { MachineEvent } from "../service/states.js";
import { beginsAttempt, incidentTriggerOf } from "./incident-trigger.js";

const exited = (code: number | null, signal: string | null, statusKnown = true): MachineEvent => ({
  type: "exited",
  code,
  signal,
  statusKnown,
});

test("a death while starting or running is a crash, unless it finished as meant to (exit 0 into exited)", () => {
  assert.equal(incidentTriggerOf(exited(3, null), "running", "backoff", null)?.kind, "crash");
  assert.deepEqual(incidentTriggerOf(exited(null, "SIGKILL"), "running", "starting", null), {
    kind: "crash",
    exitCode: null,
    signal: "SIGKILL",
    what: null,
  });
  assert.equal(incidentTriggerOf(exited(1, null), "starting", "failed", null)?.kind, "crash");
  assert.equal(incidentTriggerOf(exited(null, null, false), "running", "backoff", null)?.kind, "crash");
  // restart: no, a crash: exited, still a crash; restart: always, exit 0: an unasked death.
  assert.equal(incidentTriggerOf(exited(2, null), "running", "exited", null)?.kind, "crash");
  assert.equal(incidentTriggerOf(exited(0, null), "running", "starting", null)?.kind, "crash");
  // A oneshot's success or on-failure's clean exit; and any stop that was asked for.
  assert.equal(incidentTriggerOf(exited(0, null), "starting", "exited", null), null);
  assert.equal(incidentTriggerOf(exited(null, "SIGTERM"), "stopping", "stopped", null), null);
});

test("failed starts, readiness timeouts and restarts for health or limits are incidents", () => {
  const failed: MachineEvent = { type: "spawn_failed", error: "ENOENT" };
  assert.equal(incidentTriggerOf(failed, "starting", "backoff", null)?.kind, "failed_start");
  assert.equal(incidentTriggerOf(failed, "stopping", "stopping", null), null);
  const notReady: MachineEvent = { type: "not_ready", reason: "no answer" };
  assert.equal(incidentTriggerOf(notReady, "starting", "backoff", null)?.kind, "not_ready");
  const health: MachineEvent = { type: "health_failed", reason: "probe" };
  assert.equal(incidentTriggerOf(health, "running", "stopping", null)?.kind, "unhealthy");
  assert.equal(incidentTriggerOf(health, "running", "stopping", "limit")?.kind, "limit");
  assert.equal(
    incidentTriggerOf(health, "running", "stopping", "limit")?.what,
    "probe",
    "the verdict's words",
  );
  assert.equal(incidentTriggerOf(health, "stopping", "stopping", "limit"), null, "ignored: no restart");
  assert.equal(incidentTriggerOf({ type: "stop_requested" }, "running", "stopping", null), null);
});

test("a new start attempt begins on entering starting, or on a restart now that stays in starting", () => {
  assert.equal(beginsAttempt({ type: "timer_fired", purpose: "backoff" }, "backoff", "starting"), true);
  assert.equal(beginsAttempt(exited(1, null), "running", "starting"), true);
  assert.equal(beginsAttempt(exited(1, null), "starting", "starting"), true);
  assert.equal(beginsAttempt({ type: "spawned", pid: 5 }, "starting", "starting"), false);
  assert.equal(beginsAttempt(exited(1, null), "running", "backoff"), false);
});
