import assert from "node:assert/strict";
import { test } from "node:test";
import type { EventRecord } from "../store/store.js";
import { classifyEvent } from "./classify.js";

const state = (from: string, to: string): EventRecord => ({
  id: 1,
  hostId: "h",
  ts: 0,
  service: "web",
  kind: "state",
  from,
  to,
  reason: "",
  details: {},
});

test("a death is a crash whether the restart waits (backoff) or not (backoff 0: straight to starting)", () => {
  assert.equal(classifyEvent(state("running", "backoff")), "crash");
  assert.equal(classifyEvent(state("running", "starting")), "crash");
  assert.equal(classifyEvent(state("starting", "backoff")), "crash");
  assert.equal(classifyEvent(state("backoff", "failed")), "failed");
  assert.equal(classifyEvent(state("stopping", "stopped")), null, "a requested stop tells nobody");
  assert.equal(classifyEvent(state("stopping", "starting")), null, "an operator's restart is no crash");
  assert.equal(classifyEvent({ ...state("running", "running"), kind: "unhealthy" }), "unhealthy");
  assert.equal(classifyEvent({ ...state("x", "y"), kind: "notify_failed" }), null);
  assert.equal(classifyEvent({ ...state("running", "backoff"), service: null }), null);
});
