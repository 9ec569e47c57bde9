import assert from "node:assert/strict";
import { after, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";

// `events_kept: 99999999999999999999` passed `config check` and the daemon ran with it (so it
// never pruned), and `after=9007199254740991`, a whole number, was refused as "not a whole
// number". What must never happen again: a bound that is not said, or a refusal that
// misstates what is valid.
const env = new TestEnv();
after(() => env.teardown());

test("events_kept has an upper bound; a resume id too large is refused naming the range", async () => {
  env.writeConfig(
    `events_kept: 99999999999999999999\nservices:\n  t:\n    command: ["{fixtures}/ticker", "{marker}", "1"]\n`,
  );
  const bad = env.cli("config", "check");
  assert.equal(bad.code, 2, bad.stdout);
  assert.match(bad.stderr + bad.stdout, /events_kept.*from 1000 to 10000000/);
  env.writeConfig(
    `events_kept: 10000000\nservices:\n  t:\n    command: ["{fixtures}/ticker", "{marker}", "1"]\n`,
  );
  assert.equal(env.cli("config", "check").code, 0);
  await env.startDaemon();
  const r = await env.api("GET", "/api/v1/events?follow=1&after=9007199254740991");
  assert.equal(r.status, 400);
  assert.match(r.json.error.message, /whole number from 0 to 999999999999999, got '9007199254740991'/);
});
