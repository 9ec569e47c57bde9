import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { loadConfig } from "../../config/load.js";
import { summarizeIncident } from "../../store/incident-text.js";
import { openSqliteStore } from "../../store/sqlite/open.js";
import type { SqliteStore } from "../../store/sqlite/sqlite-store.js";
import { Supervisor } from "../../supervisor/supervisor.js";
import { createApiHandler } from "../app.js";

const dir = mkdtempSync(join(tmpdir(), "upkeep-api-incidents-"));
const socketPath = join(dir, "api.sock");
let server: Server;
let store: SqliteStore;

before(async () => {
  const stateDir = join(dir, "state");
  mkdirSync(join(stateDir, "logs"), { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, "upkeep.yaml"), "services: {}\n");
  const loaded = loadConfig(join(dir, "upkeep.yaml"), { stateDirOverride: stateDir });
  assert.ok(loaded.ok);
  store = openSqliteStore(stateDir, { hostId: "h" });
  const fields = {
    ts: Date.UTC(2025, 10, 23, 2, 12, 40),
    service: "web",
    kind: "crash" as const,
    pid: 4242,
    exitCode: null,
    signal: "SIGKILL",
    durationMs: 60_000,
    reason: "killed by SIGKILL; restarting now",
  };
  await store.appendIncident({
    ...fields,
    summary: summarizeIncident(fields),
    output: [{ ts: fields.ts - 1, stream: "err", text: "out of memory" }],
    outputNote: null,
    sample: null,
    sampleNote: "no sample",
    host: null,
    suppressed: 2,
    details: {},
  });
  const supervisor = new Supervisor(loaded.config, store);
  server = createServer(createApiHandler({ supervisor, requestShutdown: () => undefined }));
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function get(path: string): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: "GET" }, (res) => {
      let text = "";
      res.on("data", (d: Buffer) => (text += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("GET /api/v1/incidents lists incidents without their evidence, by service too", async () => {
  const all = await get("/api/v1/incidents");
  assert.equal(all.status, 200);
  assert.equal(all.json.recording, true);
  assert.deepEqual(all.json.incidents, [
    {
      id: 1,
      ts: "2025-11-23T02:12:40.000Z",
      service: "web",
      kind: "crash",
      summary: "web crashed: killed by SIGKILL after 1m (PID 4242)",
    },
  ]);
  assert.deepEqual((await get("/api/v1/incidents?service=db")).json.incidents, []);
  assert.equal((await get("/api/v1/incidents?n=abc")).status, 400);
});

test("GET /api/v1/incidents/ID is the incident whole; a bad id is 400, an unknown one 404", async () => {
  const one = await get("/api/v1/incidents/1");
  assert.equal(one.status, 200);
  assert.equal(one.json.signal, "SIGKILL");
  assert.equal(one.json.suppressed, 2);
  assert.deepEqual(one.json.output, [
    { ts: "2025-11-23T02:12:39.999Z", stream: "err", text: "out of memory" },
  ]);
  const bad = await get("/api/v1/incidents/0");
  assert.equal(bad.status, 400);
  assert.match(bad.json.error.hint, /upkeep incidents/);
  const missing = await get("/api/v1/incidents/77");
  assert.equal(missing.status, 404);
  assert.equal(missing.json.error.code, "INCIDENT_NOT_FOUND");
});
