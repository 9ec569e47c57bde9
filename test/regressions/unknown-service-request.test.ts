import assert from "node:assert/strict";
import { after, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";

// A GET of an unknown service threw synchronously inside a route handler, escaped the
// request's error handling and killed the daemon (with every service left unsupervised).
// What must never happen again: a request, however wrong, stops the daemon.
const env = new TestEnv();
after(() => env.teardown());

test("requests for unknown services and routes answer with an error and the daemon keeps running", async () => {
  env.writeConfig(`services:\n  t:\n    command: ["{fixtures}/ticker", "{marker}", "0.5"]\n`);
  await env.startDaemon();
  const unknown = await env.api("GET", "/api/v1/services/nope");
  assert.equal(unknown.status, 404);
  assert.equal(unknown.json.error.code, "SERVICE_UNKNOWN");
  assert.match(unknown.json.error.hint, /known services: t/);
  const badAction = await env.api("POST", "/api/v1/actions", { action: "explode", names: ["t"] });
  assert.equal(badAction.status, 400);
  const badJson = await env.api("POST", "/api/v1/actions", undefined);
  assert.equal(badJson.status, 400);
  // A malformed escape in a path segment once threw outside the handler and killed the daemon.
  const badEscape = await env.api("GET", "/api/v1/services/%zz/tree");
  assert.equal(badEscape.status, 400);
  assert.match(badEscape.json.error.message, /'%zz' is not valid percent-encoding/);
  const unknownTree = await env.api("GET", "/api/v1/services/nope/tree");
  assert.equal(unknownTree.status, 404);
  const noRoute = await env.api("DELETE", "/api/v1/everything");
  assert.equal(noRoute.status, 404);
  assert.equal((await env.api("GET", "/api/v1/status")).status, 200, "the daemon still answers");
});
