import assert from "node:assert/strict";
import { after, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";

// `GET /api/v1/events?n=999999999999999` was taken as asked: the daemon read and serialized
// every event it kept (up to events_kept, 10 million) into one answer, hundreds of MB held
// for one request. What must never happen again: one request that makes the daemon build an
// answer without a bound.
const env = new TestEnv();
after(() => env.teardown());

test("an events request asks for at most 50 000 events, and a larger n is refused naming the range", async () => {
  env.writeConfig(`services:\n  t:\n    command: ["{fixtures}/ticker", "{marker}", "1"]\n`);
  await env.startDaemon();
  const big = await env.api("GET", "/api/v1/events?n=999999999999999");
  assert.equal(big.status, 400);
  assert.match(big.json.error.message, /'n' must be a whole number from 0 to 50000, got '999999999999999'/);
  const cli = env.cli("events", "-n", "60000");
  assert.notEqual(cli.code, 0);
  assert.match(cli.stderr, /from 0 to 50000/);
  const ok = await env.api("GET", "/api/v1/events?n=50000");
  assert.equal(ok.status, 200);
  // The incident listing had the same unbounded n (incidents.keep may be 100 000).
  const incidents = await env.api("GET", "/api/v1/incidents?n=999999999");
  assert.equal(incidents.status, 400);
  assert.match(incidents.json.error.message, /'n' must be a whole number from 0 to 100000/);
});
