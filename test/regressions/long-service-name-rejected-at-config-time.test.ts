import assert from "node:assert/strict";
import { after, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";

// A 250-character service name passed `config check`, then the daemon exited having started
// nothing; 245 characters ran but faulted on the PID file's spare (`.<name>.pid.spare` is over
// NAME_MAX, 255 bytes). What must never happen again: config check accepts a name whose
// derived files cannot exist. The longest accepted name (239 characters) runs.
const env = new TestEnv();
after(() => env.teardown());

for (const length of [250, 245, 240]) {
  test(`config check rejects a ${length}-character service name, saying the limit`, () => {
    env.writeConfig(`
services:
  ${"a".repeat(length)}:
    command: [sleep, "5"]
`);
    const r = env.cli("config", "check");
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(
      r.stdout + r.stderr,
      new RegExp(`is ${length} characters: the longest file name upkeep derives`),
    );
    assert.match(r.stdout + r.stderr, /expected a name of at most 239 characters/);
  });
}

test("an instance name counts: web@<long instance> is rejected as a whole", () => {
  env.writeConfig(`
services:
  web:
    command: [sleep, "5"]
    instances: [${"i".repeat(236)}]
`);
  const r = env.cli("config", "check");
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stdout + r.stderr, /is 240 characters.*at most 239 characters, instance included/);
});

test("a 239-character name is accepted, and the daemon runs and restarts it", async () => {
  const name = "b".repeat(239);
  env.writeConfig(`
services:
  ${name}:
    command: ["{fixtures}/ticker", "{marker}", "5"]
    backoff: { initial: 0ms }
`);
  assert.equal(env.cli("config", "check").code, 0);
  await env.startDaemon();
  const first = await env.waitForService(name, "running", "the long-named service running");
  process.kill(first.pid, "SIGKILL");
  const second = await env.waitForService(name, "running", "the long-named service restarted", first.pid);
  assert.notEqual(second.pid, first.pid);
});
