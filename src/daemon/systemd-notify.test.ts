import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { waitFor } from "../../test/helpers/wait-for.js";
import { native } from "../core/native.js";
import { NotifySocket } from "../health/notify-socket.js";
import { SystemdNotifier, summarizeStates, takeNotifyTarget } from "./systemd-notify.js";

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

const skipNative = native === null ? "needs the native addon (datagram sockets)" : false;

/** A notifier talking to a fresh abstract socket; `texts` collects what arrives. */
function notifierWithReceiver(summary: () => string): {
  notifier: SystemdNotifier;
  texts: string[];
  said: string[];
  close: () => void;
} {
  const address = `@upkeep-unit-notify-${randomBytes(6).toString("hex")}`;
  const socket = NotifySocket.open(address);
  const texts: string[] = [];
  socket.onMessage((m) => texts.push([...m.fields].map(([k, v]) => `${k}=${v}`).join("\n")));
  const said: string[] = [];
  const notifier = new SystemdNotifier({ address, watchdogUsec: null }, (line) => said.push(line), summary);
  return { notifier, texts, said, close: () => socket.close() };
}

test(
  "STATUS= changes within the coalescing window make one message, and an unchanged summary none",
  { skip: skipNative },
  async () => {
    let summary = "1 service: 1 starting";
    const { notifier, texts, close } = notifierWithReceiver(() => summary);
    try {
      notifier.ready();
      await waitFor(() => texts.length === 1, { what: "READY=1" });
      assert.equal(texts[0], "READY=1\nSTATUS=1 service: 1 starting");
      summary = "1 service: 1 running";
      notifier.statusChanged();
      notifier.statusChanged();
      await waitFor(() => texts.length === 2, { what: "one STATUS=" });
      assert.equal(texts[1], "STATUS=1 service: 1 running");
      notifier.statusChanged(); // same summary: nothing sent; STOPPING=1 is the next message
      await new Promise((resolve) => setTimeout(resolve, 300)); // bounded: one coalescing window (200 ms) and a margin
      notifier.stopping(25_000);
      await waitFor(() => texts.length === 3, { what: "STOPPING=1" });
      assert.equal(texts[2], "STOPPING=1\nSTATUS=stopping all services\nEXTEND_TIMEOUT_USEC=25000000");
    } finally {
      notifier.close();
      close();
    }
  },
);

test(
  "after STOPPING=1 a late start-up sends no READY=1; a receiver that is gone is said once",
  { skip: skipNative },
  async () => {
    const { notifier, texts, said, close } = notifierWithReceiver(() => "no services");
    try {
      notifier.stopping(1000);
      notifier.ready();
      notifier.statusChanged();
      await waitFor(() => texts.length === 1, { what: "STOPPING=1" });
      close();
      const gone = new SystemdNotifier(
        { address: "@upkeep-nobody-listens", watchdogUsec: 1000 },
        (l) => said.push(l),
        () => "x",
      );
      gone.ready();
      gone.stopping(1000);
      assert.equal(said.length, 1, said.join("\n"));
      assert.match(
        said[0] ?? "",
        /could not tell systemd \(NOTIFY_SOCKET=@upkeep-nobody-listens\): .*ECONNREFUSED/,
      );
      gone.close();
    } finally {
      notifier.close();
      close();
    }
  },
);
