import assert from "node:assert/strict";
import { after, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";
import { httpRequest } from "../helpers/http-client.js";
import { freePorts } from "../helpers/ports.js";
import { waitFor } from "../helpers/wait-for.js";

// `http:` was accepted and silently ignored: `config check` said "config OK" and the daemon
// said nothing, so an operator waited for a port that never opened. Then it was noted as "not
// acted on". What must never happen again: an `http:` the daemon does not serve, unsaid.
const env = new TestEnv();
after(() => env.teardown());

test("the daemon serves http.listen and says where; config check has no note on it", async () => {
  const [port] = await freePorts(1);
  env.writeConfig(
    `http: { listen: 127.0.0.1:${port} }\nservices:\n  t:\n    command: ["{fixtures}/ticker", "{marker}", "1"]\n`,
  );
  const check = env.cli("config", "check");
  assert.equal(check.code, 0, check.stderr);
  assert.doesNotMatch(check.stdout, /http: note/);
  await env.startDaemon();
  await waitFor(() => env.daemonOutput.includes(`dashboard and API on http://127.0.0.1:${port}/`), {
    what: "the daemon to say where it serves HTTP",
  });
  const answer = await httpRequest(port!, "GET", "/api/v1/status");
  assert.equal(answer.status, 401, "served, behind the token");
});

test("http: false needs no note", () => {
  env.writeConfig(`http: false\nservices:\n  t:\n    command: ["{fixtures}/ticker", "{marker}", "1"]\n`);
  const check = env.cli("config", "check");
  assert.equal(check.code, 0, check.stderr);
  assert.doesNotMatch(check.stdout, /http/);
});
