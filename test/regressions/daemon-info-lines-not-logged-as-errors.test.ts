import assert from "node:assert/strict";
import { after, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

// The daemon's own log has levels (journal priorities under systemd). Lines written with
// console.error are errors there; "made the HTTP API token" is news, not an error, and was
// logged at error level, so every first start paged whoever filters the journal on errors.
const env = new TestEnv();
after(() => env.teardown());

test("the HTTP token's creation is an info line, not an error", async () => {
  env.writeConfig(`
http: { listen: "127.0.0.1:0" }
services:
  app:
    command: [sleep, "1000"]
`);
  await env.startDaemon();
  const line = await waitFor(
    () => env.daemonOutput.split("\n").find((l) => l.includes("made the HTTP API token")) ?? null,
    { what: "the token line in the daemon's output" },
  );
  assert.match(line, /^\S+ info {2}upkeep: made the HTTP API token /);
});
