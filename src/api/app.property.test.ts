import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import fc from "fast-check";
import { loadConfig } from "../config/load.js";
import { openSqliteStore } from "../store/sqlite/open.js";
import type { SqliteStore } from "../store/sqlite/sqlite-store.js";
import { Supervisor } from "../supervisor/supervisor.js";
import { createApiHandler } from "./app.js";

// Requests come from any process that can reach the socket: whatever the method, target and
// body, the handler answers a status below 500 (500 means an error it did not foresee) and
// goes on answering. Served in-process by the real handler on a socket of the test's own.
const dir = mkdtempSync(join(tmpdir(), "upkeep-fuzz-api-"));
const socketPath = join(dir, "api.sock");
let server: Server;
let store: SqliteStore;
let shutdowns = 0;

before(async () => {
  const stateDir = join(dir, "state");
  mkdirSync(join(stateDir, "logs"), { recursive: true, mode: 0o700 });
  const configFile = join(dir, "upkeep.yaml");
  writeFileSync(configFile, "services: {}\n");
  const loaded = loadConfig(configFile, { stateDirOverride: stateDir });
  assert.ok(loaded.ok);
  store = openSqliteStore(stateDir);
  const supervisor = new Supervisor(loaded.config, store);
  server = createServer(createApiHandler({ supervisor, requestShutdown: () => (shutdowns += 1) }));
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Send raw bytes; resolves with the status code of the answer (0 when none came). */
function statusOf(bytes: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let head = "";
    socket.setTimeout(10_000, () => socket.destroy(new Error("no answer within 10 s")));
    socket.on("data", (d: Buffer) => {
      head += d.toString("latin1");
      const match = /^HTTP\/1\.[01] (\d{3}) /.exec(head);
      if (match) {
        socket.destroy(); // a follow stream would never end by itself
        resolve(Number(match[1]));
      }
    });
    socket.on("close", () => resolve(0));
    socket.on("error", reject);
    socket.write(bytes);
  });
}

const PATHS = [
  ...["/api/v1/status", "/api/v1/services", "/api/v1/services/", "/api/v1/services/x/tree"],
  ...["/api/v1/events", "/api/v1/actions", "/api/v1/check", "/api/v1/reload-config"],
  ...["/api/v1/shutdown", "/", "//", "*", "http://[", "/\\x", "http://a/b"],
  ...["/api/v1/incidents", "/api/v1/incidents/"],
];
const ODD_NUMBERS = ["1e300", "-0", "0x10", "9007199254740993", "%205", "5.0", "Infinity", "1", "0"];
const urlish = fc.stringMatching(/^[\x21-\x7e]{0,24}$/);
const queryValue = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...ODD_NUMBERS) },
  urlish,
  fc.nat().map(String),
);
const query = fc
  .array(fc.tuple(fc.constantFrom("n", "follow", "after", "service", "force", "x"), queryValue), {
    maxLength: 4,
  })
  .map((pairs) => (pairs.length === 0 ? "" : `?${pairs.map(([k, v]) => `${k}=${v}`).join("&")}`));
/** The routes that parse a query, the events most (it has the most fields). */
const QUERY_ROUTES = [
  "/api/v1/events",
  "/api/v1/events",
  "/api/v1/events",
  "/api/v1/actions",
  "/api/v1/status",
  "/api/v1/incidents",
];
const target = fc.oneof(
  // Well-formed routes with odd query values reach the handlers' own parsing most often.
  {
    weight: 3,
    arbitrary: fc.tuple(fc.constantFrom(...QUERY_ROUTES), query).map(([p, q]) => `${p}${q}`),
  },
  fc.tuple(fc.constantFrom(...PATHS), urlish, query).map(([p, rest, q]) => `${p}${rest}${q}`),
  fc.tuple(fc.constantFrom(...PATHS), query).map(([p, q]) => `${p}${q.replace(/#/g, "")}`),
  urlish.map((u) => `/${u}`),
);
const method = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom("GET", "POST") },
  fc.constantFrom("GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"),
  fc.stringMatching(/^[A-Z]{1,8}$/),
);
const body = fc.oneof(
  fc.constant(""),
  fc.json(),
  fc.string(),
  fc
    .record(
      {
        action: fc.oneof(fc.constantFrom("start", "stop", "restart", "reload", "reset"), fc.string()),
        names: fc.oneof(fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }), fc.jsonValue()),
        all: fc.oneof(fc.boolean(), fc.jsonValue()),
        force: fc.jsonValue(),
        dry_run: fc.boolean(),
      },
      { requiredKeys: [] },
    )
    .map((o) => JSON.stringify(o)),
);
const headers = fc.array(
  fc.constantFrom(
    "Last-Event-ID: 5",
    "Last-Event-ID: x",
    "Last-Event-ID: ",
    "Content-Type: text/plain",
    "Expect: 100-continue",
  ),
  { maxLength: 2 },
);

test("any request is answered with a status below 500, and the daemon goes on answering", async () => {
  await fc.assert(
    fc.asyncProperty(method, target, body, headers, async (m, t, b, h) => {
      const payload = Buffer.from(b, "utf8");
      const head = [
        `${m} ${t} HTTP/1.1`,
        "Host: upkeep",
        "Connection: close",
        `Content-Length: ${payload.length}`,
        ...h,
      ];
      const status = await statusOf(
        Buffer.concat([Buffer.from(`${head.join("\r\n")}\r\n\r\n`, "latin1"), payload]),
      );
      assert.ok(status >= 100 && status < 500, `${m} ${t} with ${JSON.stringify(b)} answered ${status}`);
    }),
    { numRuns: 600 },
  );
  const ok = await statusOf(
    Buffer.from("GET /api/v1/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
  );
  assert.equal(ok, 200);
});
