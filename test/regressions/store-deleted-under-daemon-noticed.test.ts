import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { withTestEnv, type TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

// The state store deleted (or its WAL) under a running daemon went unnoticed: the daemon went
// on writing to the unlinked file, and the next daemon silently started from an empty store.
// What must never happen again: the loss is noticed and told — a daemon event, a line on the
// daemon's stderr, `status` and `check` showing it with the fix.

async function assertNoticed(env: TestEnv, lost: RegExp): Promise<void> {
  const status = env.cli("status", "--json");
  assert.equal(status.code, 0, status.stderr);
  assert.match(JSON.parse(status.stdout).daemon.store_problem, lost);
  assert.match(env.cli("status").stderr, /WARNING: the state store was taken from under the daemon/);
  await waitFor(() => /upkeep: the state store was taken from under the daemon/.test(env.daemonOutput), {
    what: "the daemon to say so on stderr",
  });
  const { json } = await env.api("GET", "/api/v1/events?n=50");
  assert.ok(
    json.events.some((e: { kind: string; reason: string }) => e.kind === "daemon" && lost.test(e.reason)),
    "a daemon event tells it",
  );
  const check = env.cli("check");
  assert.equal(check.code, 2, check.stdout);
  assert.match(
    check.stdout,
    new RegExp(
      `\\nCRITICAL daemon: expected the daemon writing the state store at .*; do: upkeep shutdown, then start the daemon again\\n`,
    ),
  );
}

const CONFIG = `
services:
  web:
    command: ["{fixtures}/ticker", "{marker}", "5"]
`;

test("a state store deleted under the running daemon is noticed and told", async () => {
  await withTestEnv(async (env) => {
    env.writeConfig(CONFIG);
    await env.startDaemon();
    await env.waitForService("web", "running", "web running");
    assert.equal(JSON.parse(env.cli("status", "--json").stdout).daemon.store_problem, null);
    rmSync(join(env.stateDir, "state.db"));
    await assertNoticed(env, /state\.db was deleted/);
  });
});

test("a WAL deleted under the running daemon is noticed and told", async () => {
  await withTestEnv(async (env) => {
    env.writeConfig(CONFIG);
    await env.startDaemon();
    await env.waitForService("web", "running", "web running");
    rmSync(join(env.stateDir, "state.db-wal"));
    await assertNoticed(env, /state\.db-wal was deleted/);
  });
});
