import assert from "node:assert/strict";
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { withTestEnv, type TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

// The state store deleted (or its WAL) under a running daemon went unnoticed: the daemon went
// on writing to the unlinked file, and the next daemon silently started from an empty store.
// What must never happen again: the loss is noticed and told (a daemon event, a line on the
// daemon's stderr); a deleted store is written anew from the daemon's open copy, so the next
// daemon still knows the running services; one that cannot be (another file was put at its
// path) stays shown by `status` and `check`, with the fix.

const CONFIG = `
services:
  web:
    command: ["{fixtures}/ticker", "{marker}", "5"]
`;

/** The daemon's events whose reason matches. */
async function daemonEvents(env: TestEnv, reason: RegExp): Promise<unknown[]> {
  const { json } = await env.api("GET", "/api/v1/events?n=100");
  return json.events.filter(
    (e: { kind: string; reason: string }) => e.kind === "daemon" && reason.test(e.reason),
  );
}

for (const lost of ["state.db", "state.db-wal"]) {
  test(`${lost} deleted under the running daemon is noticed, told and written anew: the next daemon adopts the service`, async () => {
    await withTestEnv(async (env) => {
      env.writeConfig(CONFIG);
      await env.startDaemon();
      const web = await env.waitForService("web", "running", "web running");
      rmSync(join(env.stateDir, lost));

      const told = new RegExp(`${lost.replace(".", "\\.")} was deleted\\); it was written anew`);
      await waitFor(() => told.test(env.daemonOutput), {
        what: "the daemon to say so on stderr",
        timeout: 15_000,
      });
      assert.equal((await daemonEvents(env, told)).length, 1, "one daemon event tells it");
      assert.equal(JSON.parse(env.cli("status", "--json").stdout).daemon.store_problem, null, "whole again");

      await env.killDaemon();
      await env.startDaemon();
      const again = await env.waitForService("web", "running", "web after a new daemon");
      assert.equal(again.pid, web.pid, "the new daemon knew web's process from the rebuilt store");
      assert.ok((await daemonEvents(env, told)).length === 1, "the store kept its events");
    });
  });
}

test("a state store replaced by another file under the running daemon is shown by status and check", async () => {
  await withTestEnv(async (env) => {
    env.writeConfig(CONFIG);
    await env.startDaemon();
    await env.waitForService("web", "running", "web running");
    assert.equal(JSON.parse(env.cli("status", "--json").stdout).daemon.store_problem, null);
    const file = join(env.stateDir, "state.db");
    writeFileSync(`${file}.other`, "not upkeep's");
    renameSync(`${file}.other`, file);

    const status = env.cli("status", "--json");
    assert.match(JSON.parse(status.stdout).daemon.store_problem, /state\.db was replaced by another file/);
    assert.match(env.cli("status").stderr, /WARNING: the state store was taken from under the daemon/);
    await waitFor(() => /upkeep: the state store was taken from under the daemon/.test(env.daemonOutput), {
      what: "the daemon to say so on stderr",
    });
    assert.equal((await daemonEvents(env, /state\.db was replaced/)).length, 1, "one daemon event tells it");
    const check = env.cli("check");
    assert.equal(check.code, 2, check.stdout);
    assert.match(
      check.stdout,
      /\nCRITICAL daemon: expected the daemon writing the state store at .*state\.db, found .*replaced by another file.*; do: upkeep shutdown, then start the daemon again\n/,
    );
  });
});
