import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { test } from "node:test";
import { waitFor } from "../../../test/helpers/wait-for.js";
import type { ServiceStatusJson, StatusJson } from "../../api/wire.js";
import { UpkeepError } from "../../core/errors.js";
import { parseArgv } from "../args.js";
import {
  captureIo,
  makeTempConfig,
  sendJson,
  startCannedDaemon,
  type CapturedIo,
} from "../canned-daemon.test-support.js";
import { COMMANDS } from "../command-table.js";

/** Runs one command line in-process (as main.ts would, minus process.exit). */
async function runCommand(argv: string[], capture: CapturedIo): Promise<number> {
  const parsed = parseArgv(argv, COMMANDS);
  assert.equal(parsed.kind, "run");
  if (parsed.kind !== "run") return -1;
  const module = await parsed.command.spec.load();
  return module.run(parsed.command, capture.io);
}

function service(name: string, state: ServiceStatusJson["state"]): ServiceStatusJson {
  return {
    name,
    type: "simple",
    state,
    desired: "up",
    pid: state === "running" ? 4242 : null,
    since: "2025-11-23T10:00:00.000Z",
    uptime_ms: state === "running" ? 45_000 : null,
    restarts: 0,
    exit_code: null,
    signal: null,
    ports: [],
    children: [],
    rss_bytes: null,
    cpu_percent: null,
    log_file: { out: "/o", err: "/e" },
    reason: state === "failed" ? "start limit hit" : "ready",
    next_attempt_at: null,
    health: null,
    instance_of: null,
    notify_status: null,
    started_with: "current",
    started_with_note: null,
  };
}

const STATUS: StatusJson = {
  daemon: {
    pid: 1,
    version: "0.1.0",
    started_at: "2025-11-23T10:00:00.000Z",
    state_dir: "/s",
    config_file: "/c",
    host_id: "h",
    boot_id: "b",
    store: {
      ok: true,
      problem: null,
      hint: null,
      pending_writes: 0,
      pending_process_records: 0,
      lost_events: 0,
      since: null,
    },
    store_problem: null,
  },
  services: [service("web@a", "running"), service("web@b", "failed"), service("db", "running")],
};

test("status --json prints the daemon's body exactly; names filter web and web@*", async () => {
  const body = JSON.stringify(STATUS);
  const daemon = await startCannedDaemon((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(body);
  });
  try {
    const all = captureIo(daemon.dir);
    assert.equal(await runCommand(["--config", daemon.configFile, "status", "--json"], all), 0);
    assert.equal(all.out(), `${body}\n`);

    const some = captureIo(daemon.dir);
    assert.equal(await runCommand(["--config", daemon.configFile, "status", "web", "--json"], some), 0);
    const parsed = JSON.parse(some.out()) as StatusJson;
    assert.deepEqual(
      parsed.services.map((s) => s.name),
      ["web@a", "web@b"],
    );
    assert.deepEqual(parsed.daemon, STATUS.daemon);

    const table = captureIo(daemon.dir);
    assert.equal(await runCommand(["--config", daemon.configFile, "status", "web@b", "db"], table), 0);
    const lines = table.out().split("\n");
    assert.match(lines[0] ?? "", /^NAME\s+STATE\s+PID\s+UPTIME\s+RESTARTS\s+CPU\s+MEM\s+PORTS$/);
    assert.match(lines[1] ?? "", /^web@b\s+failed\s+-/);
    assert.equal(lines[2], "  reason: start limit hit");
    assert.match(lines[3] ?? "", /^db\s+running\s+4242\s+45s/);
    assert.ok(!table.out().includes("\u001b["), "no colour when stdout is not a TTY");

    await assert.rejects(
      runCommand(["--config", daemon.configFile, "status", "nope"], captureIo(daemon.dir)),
      (err) => {
        assert.ok(err instanceof UpkeepError);
        assert.equal(err.exitCode, 1);
        assert.match(err.message, /no service named 'nope' in the config \(known: web@a, web@b, db\)/);
        return true;
      },
    );
  } finally {
    await daemon.close();
  }
});

test("status --check counts only running: starting and exited are not running (exit 3)", async () => {
  const body: StatusJson = {
    ...STATUS,
    services: [service("db", "running"), service("web", "starting"), service("job", "exited")],
  };
  const daemon = await startCannedDaemon((_req, res) => sendJson(res, 200, body));
  try {
    const run = async (...args: string[]): Promise<[number, string]> => {
      const capture = captureIo(daemon.dir);
      const code = await runCommand(["--config", daemon.configFile, "status", "--check", ...args], capture);
      return [code, capture.out()];
    };
    assert.deepEqual(await run("db"), [0, "db running\n"]);
    assert.deepEqual(await run("db", "web"), [3, "db running\nweb starting\n"]);
    assert.deepEqual(await run("job", "--quiet"), [3, ""]);
    const [code, out] = await run("db", "--json");
    assert.equal(code, 0);
    assert.deepEqual(
      (JSON.parse(out) as StatusJson).services.map((s) => s.name),
      ["db"],
    );
  } finally {
    await daemon.close();
  }
});

test("the daemon not running is exit 3 with the exact start command for this config", async () => {
  const { dir, configFile, stateDir } = makeTempConfig();
  try {
    await assert.rejects(runCommand(["--config", configFile, "status"], captureIo(dir)), (err) => {
      assert.ok(err instanceof UpkeepError);
      assert.equal(err.exitCode, 3);
      assert.equal(err.message, `the daemon is not running (no answer on ${stateDir}/upkeep.sock).`);
      assert.equal(err.hint, `start it with: upkeep --config ${configFile} daemon --detach`);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an action prints one line per result and exits 1 when any failed", async () => {
  const daemon = await startCannedDaemon((_req, res) =>
    sendJson(res, 200, {
      results: [
        { name: "web", ok: true, state: "running", pid: 10, message: "web started (PID 10)" },
        {
          name: "db",
          ok: false,
          state: "failed",
          pid: null,
          message: "db failed to start: exit 1",
          hint: "see: upkeep logs db",
        },
      ],
    }),
  );
  try {
    const capture = captureIo(daemon.dir);
    assert.equal(
      await runCommand(["--config", daemon.configFile, "start", "web", "db", "--force"], capture),
      1,
    );
    assert.deepEqual(JSON.parse(daemon.seen[0]?.body ?? ""), {
      action: "start",
      names: ["web", "db"],
      force: true,
    });
    assert.equal(capture.out(), "web started (PID 10)\n");
    assert.equal(capture.err(), "db failed to start: exit 1\n  hint: see: upkeep logs db\n");

    const all = captureIo(daemon.dir);
    assert.equal(await runCommand(["--config", daemon.configFile, "reset", "--all"], all), 1);
    assert.deepEqual(JSON.parse(daemon.seen[1]?.body ?? ""), { action: "reset", all: true });
  } finally {
    await daemon.close();
  }
});

const EVENT = {
  id: 7,
  ts: "2025-11-23T10:00:00.000Z",
  service: "web",
  kind: "state",
  from: "starting",
  to: "running",
  reason: "ready",
  details: {},
};

test("events prints a table or JSON lines, asking for the last N of one service", async () => {
  const daemon = await startCannedDaemon((_req, res) =>
    sendJson(res, 200, { events: [EVENT, { ...EVENT, id: 8 }] }),
  );
  try {
    const table = captureIo(daemon.dir);
    assert.equal(await runCommand(["--config", daemon.configFile, "events", "web"], table), 0);
    assert.equal(daemon.seen[0]?.url, "/api/v1/events?service=web&n=20");
    assert.match(table.out(), /^TIME\s+SERVICE\s+KIND\s+FROM→TO\s+REASON\n/);
    assert.match(table.out(), /web\s+state\s+starting→running\s+ready\n/);

    const json = captureIo(daemon.dir);
    assert.equal(await runCommand(["--config", daemon.configFile, "events", "-n5", "--json"], json), 0);
    assert.equal(daemon.seen[1]?.url, "/api/v1/events?n=5");
    assert.deepEqual(
      json
        .out()
        .trimEnd()
        .split("\n")
        .map((l) => (JSON.parse(l) as { id: number }).id),
      [7, 8],
    );
  } finally {
    await daemon.close();
  }
});

test("events -f prints live events until Ctrl-C, then exits 0", async () => {
  const daemon = await startCannedDaemon((_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(`data: ${JSON.stringify(EVENT)}\n\n`);
  });
  try {
    const capture = captureIo(daemon.dir);
    const running = runCommand(["--config", daemon.configFile, "events", "-f", "--json"], capture);
    await waitFor(() => capture.out().includes('"id":7'), { what: "the first event to be printed" });
    assert.equal(daemon.seen[0]?.url, "/api/v1/events?n=20&follow=1");
    capture.interrupt();
    assert.equal(await running, 0);
  } finally {
    await daemon.close();
  }
});

test("events -f dropped by the daemon resumes after the last id it received, losing nothing", async () => {
  const daemon = await startCannedDaemon((req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    if (req.url.includes("after=")) {
      res.write(`id: 8\ndata: ${JSON.stringify({ ...EVENT, id: 8 })}\n\n`);
      return;
    }
    res.write(`id: 7\ndata: ${JSON.stringify(EVENT)}\n\n`);
    res.end(`event: dropped\ndata: ${JSON.stringify({ reason: "left unread", last_event_id: 7 })}\n\n`);
  });
  try {
    const capture = captureIo(daemon.dir);
    const running = runCommand(["--config", daemon.configFile, "events", "-f", "--json"], capture);
    await waitFor(() => capture.out().includes('"id":8'), { what: "the event after the resume" });
    assert.equal(daemon.seen[1]?.url, "/api/v1/events?n=20&follow=1&after=7");
    assert.match(capture.err(), /dropped this follower: left unread; resuming after event 7/);
    capture.interrupt();
    assert.equal(await running, 0);
  } finally {
    await daemon.close();
  }
});

test("reload-config --dry-run prints the plan; a bad config comes back with its problems", async () => {
  let bad = false;
  const daemon = await startCannedDaemon((_req, res) => {
    if (bad) {
      sendJson(res, 400, {
        error: {
          code: "CONFIG_INVALID",
          message: "the new config has 1 problem",
          details: { problems: ["f:1:1: x: bad"] },
        },
      });
      return;
    }
    sendJson(res, 200, {
      applied: false,
      plan: {
        add: ["a"],
        remove: [],
        restart: [{ name: "web", keys: ["command"] }],
        live: [],
        unchanged: [],
        daemon: { keys: [] },
      },
    });
  });
  try {
    const capture = captureIo(daemon.dir);
    assert.equal(await runCommand(["--config", daemon.configFile, "reload-config", "--dry-run"], capture), 0);
    assert.deepEqual(JSON.parse(daemon.seen[0]?.body ?? ""), { dry_run: true });
    assert.equal(capture.out(), "would start: a\nwould restart: web (command changed)\n");
    bad = true;
    await assert.rejects(
      runCommand(["--config", daemon.configFile, "reload-config"], captureIo(daemon.dir)),
      (err) => {
        assert.ok(err instanceof UpkeepError);
        assert.equal(err.exitCode, 2);
        assert.deepEqual(err.details.problems, ["f:1:1: x: bad"]);
        return true;
      },
    );
  } finally {
    await daemon.close();
  }
});

test("shutdown waits until the socket stops answering", async () => {
  const daemon = await startCannedDaemon((req, res) => {
    if (req.url === "/api/v1/shutdown") {
      sendJson(res, 200, { ok: true });
      // Like the daemon: keep answering a little while services stop, then go away.
      setTimeout(() => daemon.server.close(), 300);
      return;
    }
    sendJson(res, 200, STATUS);
  });
  try {
    const capture = captureIo(daemon.dir);
    assert.equal(await runCommand(["--config", daemon.configFile, "shutdown"], capture), 0);
    assert.equal(capture.out(), "upkeep daemon stopped\n");
    assert.ok(
      daemon.seen.some((r) => r.url === "/api/v1/status"),
      "it polled while the daemon still answered",
    );
  } finally {
    await daemon.close();
  }
});

test("config check says OK with the service count, or lists every problem and exits 2", async () => {
  const { dir, configFile } = makeTempConfig(["web", "db"]);
  try {
    const good = captureIo(dir);
    assert.equal(await runCommand(["--config", configFile, "config", "check"], good), 0);
    assert.match(good.out(), new RegExp(`^config OK: ${configFile} \\(2 services\\)\\n`));

    writeFileSync(configFile, "services:\n  web:\n    comand: [x]\n    restart: sometimes\n");
    const bad = captureIo(dir);
    assert.equal(await runCommand(["--config", configFile, "config", "check"], bad), 2);
    const lines = bad.out().trimEnd().split("\n");
    assert.ok(
      lines.some((l) => l.startsWith(`${configFile}:3:5:`)),
      `a problem at 3:5 in:\n${bad.out()}`,
    );
    assert.match(lines.at(-1) ?? "", /^\d+ problems?$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
