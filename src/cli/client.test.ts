import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { waitFor } from "../../test/helpers/wait-for.js";
import { UpkeepError } from "../core/errors.js";
import { sendJson, startCannedDaemon } from "./canned-daemon.test-support.js";
import { openStream, requestJson, requestText, type Endpoint } from "./client.js";
import { createSseParser } from "./sse-parser.js";

const START = "upkeep --config /x/upkeep.yaml daemon --detach";

function endpoint(socketPath: string): Endpoint {
  return { socketPath, startCommand: START };
}

async function rejectsWith(promise: Promise<unknown>, check: (err: UpkeepError) => void): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof UpkeepError, `expected an UpkeepError, got ${String(err)}`);
    check(err);
    return true;
  });
}

test("a JSON request reaches the daemon over the socket and its answer is parsed", async () => {
  const daemon = await startCannedDaemon((req, res) =>
    sendJson(res, 200, { echo: JSON.parse(req.body) as unknown }),
  );
  try {
    const answer = await requestJson<{ echo: unknown }>(
      endpoint(daemon.socketPath),
      "POST",
      "/api/v1/actions",
      {
        action: "start",
        names: ["web"],
      },
    );
    assert.deepEqual(answer, { echo: { action: "start", names: ["web"] } });
    assert.equal(daemon.seen[0]?.method, "POST");
    assert.equal(daemon.seen[0]?.url, "/api/v1/actions");
  } finally {
    await daemon.close();
  }
});

test("no socket file means the daemon is not running: exit 3 with the start command", async () => {
  const dir = mkdtempSync(join(tmpdir(), "upkeep-cli-"));
  try {
    const socketPath = join(dir, "upkeep.sock");
    await rejectsWith(requestJson(endpoint(socketPath), "GET", "/api/v1/status"), (err) => {
      assert.equal(err.code, "DAEMON_NOT_RUNNING");
      assert.equal(err.exitCode, 3);
      assert.equal(err.message, `the daemon is not running (no answer on ${socketPath}).`);
      assert.equal(err.hint, `start it with: ${START}`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a socket left by a killed daemon (nobody listening) also means exit 3", async () => {
  const dir = mkdtempSync(join(tmpdir(), "upkeep-cli-"));
  const socketPath = join(dir, "upkeep.sock");
  const child = spawn(
    process.execPath,
    ["-e", `require("net").createServer().listen(${JSON.stringify(socketPath)})`],
    {
      stdio: "ignore",
    },
  );
  try {
    await waitFor(() => existsSync(socketPath), { what: "the child to bind the socket" });
    child.kill("SIGKILL");
    await waitFor(() => child.exitCode !== null || child.signalCode !== null, { what: "the child to die" });
    assert.ok(existsSync(socketPath), "SIGKILL leaves the socket file behind");
    await rejectsWith(requestJson(endpoint(socketPath), "GET", "/api/v1/status"), (err) => {
      assert.equal(err.code, "DAEMON_NOT_RUNNING");
      assert.equal(err.details.errno, "ECONNREFUSED");
    });
  } finally {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an error answer becomes an UpkeepError with the daemon's code, message, hint and details", async () => {
  const daemon = await startCannedDaemon((req, res) => {
    if (req.url.startsWith("/unknown-service")) {
      sendJson(res, 404, {
        error: { code: "SERVICE_UNKNOWN", message: "no service named 'x'", hint: "see upkeep status" },
      });
    } else if (req.url.startsWith("/bad-config")) {
      const problems = ["/c/upkeep.yaml:3:5: services.web.comand: unknown key 'comand'"];
      sendJson(res, 400, {
        error: { code: "CONFIG_INVALID", message: "the config has 1 problem", details: { problems } },
      });
    } else if (req.url.startsWith("/future-code")) {
      sendJson(res, 409, { error: { code: "SOMETHING_NEW", message: "a newer daemon says no" } });
    } else {
      res.writeHead(502, { "content-type": "text/plain" });
      res.end("bad gateway");
    }
  });
  const at = endpoint(daemon.socketPath);
  try {
    await rejectsWith(requestJson(at, "GET", "/unknown-service"), (err) => {
      assert.equal(err.code, "SERVICE_UNKNOWN");
      assert.equal(err.exitCode, 1);
      assert.equal(err.message, "no service named 'x'");
      assert.equal(err.hint, "see upkeep status");
      assert.equal(err.details.http_status, 404);
    });
    await rejectsWith(requestText(at, "POST", "/bad-config", { dry_run: true }), (err) => {
      assert.equal(err.exitCode, 2);
      assert.deepEqual(err.details.problems, [
        "/c/upkeep.yaml:3:5: services.web.comand: unknown key 'comand'",
      ]);
    });
    await rejectsWith(requestJson(at, "GET", "/future-code"), (err) => {
      assert.equal(err.code, "INTERNAL");
      assert.equal(err.exitCode, 1, "a code this CLI does not know falls back to exit 1");
      assert.equal(err.message, "a newer daemon says no");
      assert.equal(err.details.remote_code, "SOMETHING_NEW");
    });
    await rejectsWith(requestJson(at, "GET", "/other"), (err) => {
      assert.equal(err.exitCode, 1);
      assert.match(err.message, /HTTP 502 and no error description: bad gateway/);
    });
  } finally {
    await daemon.close();
  }
});

test("a request the daemon does not answer in time fails with a timeout", async () => {
  const daemon = await startCannedDaemon(() => undefined); // never answers
  try {
    await rejectsWith(
      requestJson(endpoint(daemon.socketPath), "GET", "/api/v1/status", undefined, { timeoutMs: 100 }),
      (err) => {
        assert.match(err.message, /did not answer GET \/api\/v1\/status within 0.1 s/);
      },
    );
  } finally {
    await daemon.close();
  }
});

test("a stream delivers server-sent events split across writes, until we close it", async () => {
  const daemon = await startCannedDaemon((_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(': hello\n\ndata: {"id":1}\n');
    res.write('\ndata: {"id":');
    res.write("2}\n\n");
  });
  try {
    const seen: string[] = [];
    const stream = await openStream(
      endpoint(daemon.socketPath),
      "/api/v1/events?follow=1",
      createSseParser((d) => seen.push(d)),
    );
    await waitFor(() => seen.length === 2, { what: "two events" });
    assert.deepEqual(seen, ['{"id":1}', '{"id":2}']);
    stream.close();
    assert.equal(await stream.ended, "closed-by-us");
  } finally {
    await daemon.close();
  }
});

test("a stream the daemon ends says so", async () => {
  const daemon = await startCannedDaemon((_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.end('data: {"id":1}\n\n');
  });
  try {
    const stream = await openStream(endpoint(daemon.socketPath), "/api/v1/events?follow=1", () => undefined);
    assert.equal(await stream.ended, "closed-by-daemon");
  } finally {
    await daemon.close();
  }
});

test("the event-stream parser joins multi-line data, gives its type and id, and skips other fields", () => {
  const seen: string[] = [];
  const fields: unknown[] = [];
  const feed = createSseParser((d, f) => {
    seen.push(d);
    fields.push(f);
  });
  feed("event: state\r\nid: 4\r\nretry: 9\r\ndata: a\r\ndata: b\r\n\r\n: ping\n\n");
  feed("data:c\n");
  assert.deepEqual(seen, ["a\nb"]);
  feed("\n");
  assert.deepEqual(seen, ["a\nb", "c"]);
  assert.deepEqual(fields, [
    { event: "state", id: "4" },
    { event: "message", id: null },
  ]);
});
