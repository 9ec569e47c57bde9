import assert from "node:assert/strict";
import { test } from "node:test";
import { summarizeStates, takeNotifyTarget } from "./systemd-notify.js";

test("the summary counts services by state, in the states' order", () => {
  assert.equal(summarizeStates([]), "no services");
  assert.equal(summarizeStates(["running"]), "1 service: 1 running");
  assert.equal(
    summarizeStates(["backoff", "running", "running", "failed", "running"]),
    "5 services: 3 running, 1 backoff, 1 failed",
  );
});

test("the notify target is taken out of the environment, so nothing started later inherits it", () => {
  const env: NodeJS.ProcessEnv = {
    NOTIFY_SOCKET: "@sd",
    WATCHDOG_USEC: "3000000",
    WATCHDOG_PID: String(process.pid),
    PATH: "/bin",
  };
  assert.deepEqual(takeNotifyTarget(env), { address: "@sd", watchdogUsec: 3_000_000 });
  assert.deepEqual(env, { PATH: "/bin" });
});

test("the watchdog counts only for this process, and only with a valid period", () => {
  assert.equal(
    takeNotifyTarget({ NOTIFY_SOCKET: "/run/n", WATCHDOG_USEC: "5", WATCHDOG_PID: "1" })?.watchdogUsec,
    null,
  );
  assert.equal(takeNotifyTarget({ NOTIFY_SOCKET: "/run/n", WATCHDOG_USEC: "0" })?.watchdogUsec, null);
  assert.equal(takeNotifyTarget({ NOTIFY_SOCKET: "/run/n", WATCHDOG_USEC: "1e6" })?.watchdogUsec, null);
  assert.equal(takeNotifyTarget({ NOTIFY_SOCKET: "/run/n", WATCHDOG_USEC: "20" })?.watchdogUsec, 20);
  assert.equal(
    takeNotifyTarget({ WATCHDOG_USEC: "20" }),
    null,
    "no NOTIFY_SOCKET: systemd asked for nothing",
  );
});
