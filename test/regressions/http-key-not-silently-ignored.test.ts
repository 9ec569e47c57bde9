import assert from "node:assert/strict";
import { after, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

// `http:` was accepted and silently ignored (the API is on the control socket only, for now):
// `config check` said "config OK" and the daemon said nothing, so an operator waited for a port
// that never opened. What must never happen again: a key accepted but not acted on, unsaid.
const env = new TestEnv();
after(() => env.teardown());

test("config check and the daemon's start both say that http: is not served yet", async () => {
  env.writeConfig(
    `http: { listen: 127.0.0.1:9900 }\nservices:\n  t:\n    command: ["{fixtures}/ticker", "{marker}", "1"]\n`,
  );
  const check = env.cli("config", "check");
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stdout, /upkeep\.yaml:2:1: http: note: accepted, not yet acted on.*control socket/);
  await env.startDaemon();
  await waitFor(() => /upkeep: .*http: note: accepted, not yet acted on/.test(env.daemonOutput), {
    what: "the daemon's note on http:",
  });
});

test("http: false needs no note", () => {
  env.writeConfig(`http: false\nservices:\n  t:\n    command: ["{fixtures}/ticker", "{marker}", "1"]\n`);
  const check = env.cli("config", "check");
  assert.equal(check.code, 0, check.stderr);
  assert.doesNotMatch(check.stdout, /http/);
});
