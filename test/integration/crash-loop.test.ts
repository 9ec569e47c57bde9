import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

describe("crash loop", () => {
  const env = new TestEnv();
  after(() => env.teardown());

  test("a service that keeps crashing is failed after the burst, and reset starts it again", async () => {
    env.writeConfig(`
services:
  flaky:
    command: ["{fixtures}/exit-after", "{marker}", "0", "3"]
    backoff: { initial: 10ms, max: 40ms }
    start_limit: { burst: 3, interval: 60s }
`);
    await env.startDaemon();
    const failed = await env.waitForService("flaky", "failed", "flaky failed");
    assert.match(failed.reason, /start limit hit: 3 attempts within 60s/);
    assert.equal(failed.exit_code, 3);
    assert.equal(failed.restarts, 2);
    const { json } = await env.api("GET", "/api/v1/events?service=flaky&n=100");
    const spawns = json.events.filter((e: { kind: string }) => e.kind === "spawn");
    assert.equal(spawns.length, 3, "exactly burst attempts were made");

    const table = env.cli("status", "flaky");
    assert.match(table.stdout, /failed/);

    const r = env.cli("reset", "flaky");
    // The service crashes again at once: reset reports what happened (it restarted).
    const { json: after } = await env.api("GET", "/api/v1/events?service=flaky&n=200");
    assert.ok(
      after.events.filter((e: { kind: string }) => e.kind === "spawn").length > 3,
      r.stdout + r.stderr,
    );
    await waitFor(async () => (await env.status("flaky")).state === "failed", { what: "flaky failed again" });
  });
});
