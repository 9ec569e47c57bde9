import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, test } from "node:test";
import { CLI, TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

// `upkeep events -f` during `upkeep shutdown` never printed the daemon's last events ("daemon
// stopped", and often the last service's `stopped`): the HTTP layer corks a response's writes
// until the next tick, and the daemon exited within the same run of promise jobs. What must
// never happen again: a follower (and so `shutdown --json`, which reports from the events)
// misses what the daemon said last before it exited.
const env = new TestEnv();
after(() => env.teardown());

test("an event follower receives every event up to 'daemon stopped' when the daemon shuts down", async () => {
  env.writeConfig(`
services:
  first:
    command: ["{fixtures}/ticker", "{marker}", "1"]
  second:
    command: ["{fixtures}/ticker", "{marker}", "1"]
`);
  await env.startDaemon();
  await env.waitForService("first", "running", "first running");
  await env.waitForService("second", "running", "second running");
  const follower = spawn(
    process.execPath,
    [CLI, "--config", env.configFile, "events", "-f", "-n", "1", "--json"],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  follower.stdout.on("data", (d: Buffer) => (out += d.toString()));
  const ended = new Promise((resolve) => follower.once("exit", resolve));
  // The follower is live once it printed the newest event it asked for (-n 1).
  await waitFor(() => out.includes("\n"), { what: "the follower's first event" });

  const r = env.cli("shutdown");
  assert.equal(r.code, 0, r.stderr);
  await ended;
  const events = out
    .trimEnd()
    .split("\n")
    .map(
      (line) =>
        JSON.parse(line) as { service: string | null; kind: string; to: string | null; reason: string },
    );
  const last = events.at(-1);
  assert.equal(last?.reason, "daemon stopped", `the last event is the daemon's own: ${out}`);
  for (const name of ["first", "second"])
    assert.ok(
      events.some((e) => e.service === name && e.kind === "state" && e.to === "stopped"),
      `${name}'s stopped event was received`,
    );
});
