import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { withTestEnv } from "../helpers/daemon.js";
import { readRecorded } from "../helpers/notify-receivers.js";
import { waitFor } from "../helpers/wait-for.js";

// `notify:` was accepted and not acted on: `config check` noted "accepted, not yet acted on" and
// a service could crash all night without anyone being told. What must never happen again: a
// crash under a `notify:` section that reaches no notifier, or a bad notify section that
// `config check` passes.
test("a crash under notify: reaches the exec notifier, and config check validates notify", async () => {
  await withTestEnv(async (env) => {
    const out = join(env.dir, "told");
    env.writeConfig(`
notify:
  on: [crash]
  exec: ["{fixtures}/notify-recorder", "${out}"]
services:
  dies:
    command: ["{fixtures}/exit-after", "{marker}", "0", "7"]
    backoff: { initial: 1s }
`);
    const check = env.cli("config", "check");
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.doesNotMatch(check.stdout, /notify: note/);
    await env.startDaemon();
    const told = await waitFor(() => readRecorded(out)[0], { what: "the notifier to be told of the crash" });
    assert.equal(told.event, "crash");
    assert.equal(told.service, "dies");
    assert.equal(told.payload.exit_code, 7);

    env.writeConfig(`
notify:
  on: [crashes]
  webhook: { url: "gopher://example.com/" }
services:
  dies:
    command: ["{fixtures}/exit-after", "{marker}", "0", "7"]
`);
    const bad = env.cli("config", "check");
    assert.equal(bad.code, 2, bad.stdout);
    assert.match(bad.stdout, /upkeep\.yaml:4:8: notify\.on\[0\]: unknown event kind; did you mean 'crash'\?/);
    assert.match(bad.stdout, /upkeep\.yaml:5:19: notify\.webhook\.url: the scheme must be http or https/);
  });
});
