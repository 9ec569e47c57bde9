/**
 * Never again: a service that inherits what systemd set for the daemon's own unit. With the
 * daemon run as a systemd service, NOTIFY_SOCKET, LISTEN_FDS, INVOCATION_ID and the like
 * reached every service: one that speaks sd_notify then reported to systemd as if it were
 * upkeep, one that takes socket activation looked for descriptors that were not there. Checked
 * for both spawners, and for a notify service, which gets upkeep's own NOTIFY_SOCKET instead.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { withTestEnv } from "../helpers/daemon.js";

const SET_BY_SYSTEMD: Record<string, string> = {
  NOTIFY_SOCKET: "/run/systemd/notify",
  LISTEN_FDS: "1",
  LISTEN_PID: "1",
  LISTEN_FDNAMES: "http",
  INVOCATION_ID: "5c1b9b2e5e4a4f7c9a0d8f1e2b3c4d5e",
  JOURNAL_STREAM: "8:12345",
  WATCHDOG_USEC: "30000000",
  WATCHDOG_PID: "1",
  MAINPID: "1",
  MANAGERPID: "1",
  SYSTEMD_EXEC_PID: "1",
  TRIGGER_UNIT: "upkeep.timer",
  MONITOR_UNIT: "other.service",
};

/** The environment of a running process, as a map. */
function environOf(pid: number): Map<string, string> {
  const entries = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").filter(Boolean);
  return new Map(
    entries.map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]),
  );
}

for (const spawner of ["native", "node"] as const) {
  test(`with the ${spawner} spawner, no service sees the variables systemd set for the daemon`, () =>
    withTestEnv(async (env) => {
      // A notify service (native spawner only: notify readiness needs the addon) never sends
      // READY=1 here: it stays starting, with its process running.
      const notified =
        spawner === "native"
          ? [
              "  notified:",
              "    type: notify",
              '    command: [sleep, "1000"]',
              "    ready: { notify: true, timeout: 60s }",
            ]
          : [];
      env.writeConfig(["services:", "  plain:", '    command: [sleep, "1000"]', ...notified, ""].join("\n"));
      const saved = { ...process.env };
      Object.assign(process.env, SET_BY_SYSTEMD, spawner === "node" ? { UPKEEP_NATIVE: "0" } : {});
      try {
        await env.startDaemon();
      } finally {
        for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      }
      const plain = await env.waitForService("plain", "running", "plain to run");
      const seen = environOf(plain.pid as number);
      const leaked = Object.keys(SET_BY_SYSTEMD).filter((name) => seen.has(name));
      assert.deepEqual(leaked, [], "none of systemd's variables for the daemon's unit reach a service");
      assert.equal(seen.get("UPKEEP_SERVICE"), "plain");
      assert.ok(seen.has("UPKEEP_TEST_MARKER"), "the rest of the daemon's environment is inherited");
      if (spawner !== "native") return;
      // A notify service gets a NOTIFY_SOCKET: upkeep's own, not systemd's.
      const starting = await env.waitForService("notified", "starting", "notified to start");
      const socket = environOf(starting.pid as number).get("NOTIFY_SOCKET");
      assert.ok(
        socket !== undefined && socket !== SET_BY_SYSTEMD["NOTIFY_SOCKET"],
        `upkeep's socket: ${socket}`,
      );
    }));
}
