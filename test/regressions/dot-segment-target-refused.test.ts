import assert from "node:assert/strict";
import { after, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";

// A request target with `.` or `..` segments was resolved by the URL parser before routing:
// `/api/v1/services/web/../../check` was served as /api/v1/check, and `/api/v1/services/..`
// as /api/v1/ (404 "no route GET /api/v1/"), so a client's broken or hostile path silently
// reached another route. What must never happen again: a dot segment (also written %2e)
// reaching any route; it is refused 400 as sent.
const env = new TestEnv();
after(() => env.teardown());

test("targets with '.' or '..' segments are 400, whatever route they would resolve to", async () => {
  env.writeConfig(`services:\n  web:\n    command: ["{fixtures}/ticker", "{marker}", "1"]\n`);
  await env.startDaemon();
  for (const path of [
    "/api/v1/services/web/../../check",
    "/api/v1/services/..",
    "/api/v1/services/%2e%2e",
    "/api/v1/./status",
    "/api/v1/services/.%2E/x",
  ]) {
    const r = await env.api("GET", path);
    assert.equal(r.status, 400, path);
    assert.equal(r.json.error.code, "API_BAD_REQUEST", path);
    assert.match(r.json.error.message, /'\.' or '\.\.' segment/, path);
  }
  assert.equal((await env.api("GET", "/api/v1/services/web")).status, 200, "a plain name still works");
});
