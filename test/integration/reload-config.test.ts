import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { isAlive, TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

const ticker = (extra = "") => `["{fixtures}/ticker", "{marker}", "0.5"${extra}]`;

describe("SIGHUP and reload-config apply only the difference", () => {
  const env = new TestEnv();
  after(async () => {
    if (process.env["UPKEEP_TEST_DEBUG"]) console.log(env.daemonOutput);
    await env.teardown();
  });

  test("changed restarts, unchanged keeps its PID, added starts, removed stops; a bad config keeps all", async () => {
    env.writeConfig(`
services:
  same:
    command: ${ticker()}
  changed:
    command: ${ticker()}
  removed:
    command: ${ticker()}
`);
    await env.startDaemon();
    await waitFor(
      async () =>
        (await env.api("GET", "/api/v1/status")).json.services.every(
          (s: { state: string }) => s.state === "running",
        ),
      {
        what: "all running",
      },
    );
    const before = Object.fromEntries(
      (await env.api("GET", "/api/v1/status")).json.services.map((s: { name: string; pid: number }) => [
        s.name,
        s.pid,
      ]),
    );
    env.writeConfig(`
services:
  same:
    command: ${ticker()}
  changed:
    command: ${ticker()}
    env: { COLOUR: blue }
  added:
    command: ${ticker()}
`);
    const dry = env.cli("reload-config", "--dry-run");
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /added/);
    assert.match(dry.stdout, /removed/);
    assert.match(dry.stdout, /changed.*env\.COLOUR/);
    assert.equal((await env.status("changed")).pid, before.changed, "--dry-run changes nothing");

    process.kill(env.daemon!.pid!, "SIGHUP");
    await waitFor(async () => (await env.status("added")).state === "running", { what: "added running" });
    await waitFor(async () => (await env.status("changed")).pid !== before.changed, {
      what: "changed restarted",
    });
    assert.equal((await env.status("same")).pid, before.same, "an unchanged service keeps its PID");
    await waitFor(() => !isAlive(before.removed), { what: "removed service stopped" });
    assert.equal((await env.api("GET", "/api/v1/services/removed")).status, 404);

    const pids = (await env.api("GET", "/api/v1/status")).json.services.map((s: { pid: number }) => s.pid);
    env.writeConfig("services:\n  same:\n    command: [sleep, '1']\n    restart: sometimes\n");
    process.kill(env.daemon!.pid!, "SIGHUP");
    await waitFor(
      async () => {
        const { json } = await env.api("GET", "/api/v1/events?n=5");
        return json.events.some(
          (e: { kind: string; reason: string }) => e.kind === "config" && /rejected/.test(e.reason),
        );
      },
      { what: "the bad config to be rejected with an event" },
    );
    const after = (await env.api("GET", "/api/v1/status")).json.services.map((s: { pid: number }) => s.pid);
    assert.deepEqual(after, pids, "the running set is kept");
    const r = env.cli("reload-config");
    assert.equal(r.code, 2);
    assert.match(r.stdout + r.stderr, /restart: .*sometimes|sometimes/);
  });
});
