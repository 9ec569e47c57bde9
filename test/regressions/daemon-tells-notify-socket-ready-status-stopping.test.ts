/**
 * Never again: a daemon run by systemd as `Type=notify` that never says it is ready (systemd
 * would kill it after TimeoutStartSec), says so before its socket answers, or stops without
 * saying so. Here a test's own NOTIFY_SOCKET (an abstract datagram socket, as systemd's is)
 * receives what the daemon sends: READY=1 once the socket answers, from the daemon's PID;
 * STATUS= with the services' summary and its changes; WATCHDOG=1 at half of WATCHDOG_USEC;
 * STOPPING=1 with EXTEND_TIMEOUT_USEC as long as the longest chain of stops.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { DAEMON_STOP_MARGIN_MS, KILL_WAIT_MS } from "../../src/config/shutdown-time.js";
import { native } from "../../src/core/native.js";
import { NotifySocket, type NotifyMessage } from "../../src/health/notify-socket.js";
import { withTestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

interface Received {
  message: NotifyMessage;
  /** Whether the daemon's socket answered when the message came. */
  socketAnswered: boolean | null;
}

const skip =
  native === null ? "needs the native addon (the test's NOTIFY_SOCKET is a datagram socket)" : false;

test(
  "under NOTIFY_SOCKET the daemon sends READY=1 once its socket answers, STATUS=, WATCHDOG=1 and STOPPING=1",
  { skip },
  () =>
    withTestEnv(async (env) => {
      env.writeConfig(
        [
          "services:",
          "  db:",
          '    command: [sleep, "1000"]',
          "    stop: { timeout: 3s }",
          "  web:",
          '    command: [sleep, "1000"]',
          "    after: [db]",
          "    stop: { timeout: 2s }",
          "  flaky:",
          '    command: [sh, -c, "sleep 0.3; exit 3"]',
          "    backoff: { initial: 30s }",
          "",
        ].join("\n"),
      );
      const address = `@upkeep-test-notify-${randomBytes(6).toString("hex")}`;
      const socket = NotifySocket.open(address);
      const received: Received[] = [];
      socket.onMessage((message) => {
        const entry: Received = { message, socketAnswered: null };
        received.push(entry);
        if (message.fields.has("READY")) {
          env.api("GET", "/api/v1/status").then(
            (r) => (entry.socketAnswered = r.status === 200),
            () => (entry.socketAnswered = false),
          );
        }
      });
      const fields = (key: string): string[] =>
        received.map((r) => r.message.fields.get(key)).filter((v): v is string => v !== undefined);
      const saved = { ...process.env };
      Object.assign(process.env, { NOTIFY_SOCKET: address, WATCHDOG_USEC: "200000" });
      try {
        const daemon = await env.startDaemon();
        for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
        const ready = await waitFor(() => received.find((r) => r.message.fields.get("READY") === "1"), {
          what: "READY=1",
        });
        assert.equal(ready.message.pid, daemon.pid, "sent by the daemon itself (NotifyAccess=main)");
        await waitFor(() => ready.socketAnswered !== null, { what: "the socket check made on READY=1" });
        assert.equal(ready.socketAnswered, true, "the socket answers when READY=1 is sent");
        assert.match(
          ready.message.fields.get("STATUS") ?? "",
          /^3 services: /,
          "READY=1 comes with a STATUS=",
        );

        await waitFor(() => fields("STATUS").includes("3 services: 2 running, 1 backoff"), {
          what: "STATUS= to follow flaky into backoff",
        });
        const pings = received.filter((r) => r.message.fields.get("WATCHDOG") === "1").length;
        await waitFor(
          () => received.filter((r) => r.message.fields.get("WATCHDOG") === "1").length >= pings + 2,
          {
            what: "two more WATCHDOG=1 (every 100 ms for WATCHDOG_USEC=200000)",
          },
        );

        const exited = new Promise((resolve) => daemon.once("exit", resolve));
        daemon.kill("SIGTERM");
        await exited;
        const stopping = received.find((r) => r.message.fields.get("STOPPING") === "1");
        assert.ok(stopping, `STOPPING=1 was sent; got: ${JSON.stringify(fields("STATUS"))}`);
        // web stops before db: 2 s + 3 s, each with the SIGKILL wait, plus the daemon's margin.
        const worstMs = 5_000 + 2 * KILL_WAIT_MS + DAEMON_STOP_MARGIN_MS;
        assert.equal(stopping.message.fields.get("EXTEND_TIMEOUT_USEC"), String(worstMs * 1000));
        assert.equal(
          received.indexOf(stopping),
          received.length - 1,
          "nothing after STOPPING=1 (no watchdog ping from a daemon going away)",
        );
      } finally {
        for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
        socket.close();
      }
    }),
);
