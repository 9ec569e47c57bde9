import assert from "node:assert/strict";
import { after, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";

// `instances: 100000` passed `config check`; the daemon would then try to run 100000 processes
// with their FIFOs and log files. What must never happen again: an instance count (or list)
// over the documented bound of 1000 per service is accepted.
const env = new TestEnv();
after(() => env.teardown());

test("instances: 100000 is rejected with the bound in the message", () => {
  env.writeConfig(`
services:
  web:
    command: [sleep, "5"]
    instances: 100000
`);
  const r = env.cli("config", "check");
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(
    r.stdout + r.stderr,
    /services\.web\.instances: out of range \(got 100000; expected an integer from 1 to 1000\)/,
  );
});

test("a list of more than 1000 instance names is rejected; 1000 is accepted", () => {
  const names = (n: number): string => Array.from({ length: n }, (_, i) => `i${i}`).join(", ");
  env.writeConfig(`
services:
  web:
    command: [sleep, "5"]
    instances: [${names(1001)}]
`);
  const over = env.cli("config", "check");
  assert.equal(over.code, 2, over.stdout + over.stderr);
  assert.match(over.stdout + over.stderr, /1001 instances are listed; a service has at most 1000/);
  env.writeConfig(`
services:
  web:
    command: [sleep, "5"]
    instances: 1000
`);
  const at = env.cli("config", "check");
  assert.equal(at.code, 0, at.stdout + at.stderr);
});
