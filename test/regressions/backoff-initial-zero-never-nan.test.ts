import assert from "node:assert/strict";
import { after, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

// `backoff: { initial: 0 }` (documented as legal) made the delay NaN after about a thousand
// quick crashes (0 · 2^1024 = 0 · Infinity): events said "restarting in NaN ms", and `status
// --json` answered "internal error" during the crash loop (toISOString of an invalid date).
// What must never happen again: a legal config makes a duration the daemon cannot show.
const env = new TestEnv();
after(() => env.teardown());

test("a zero-backoff crash loop past 1100 restarts: every status answers, no NaN anywhere", async () => {
  env.writeConfig(`
services:
  loop:
    command: ["{fixtures}/exit-after", "{marker}", "0", "1"]
    backoff: { initial: 0, max: 30s, factor: 2, jitter: 0.2 }
    start_limit: { burst: 100000, interval: 1m }
`);
  await env.startDaemon();
  let answers = 0;
  await waitFor(
    async () => {
      const r = await env.api("GET", "/api/v1/status");
      assert.equal(r.status, 200, `status answered ${r.status}: ${JSON.stringify(r.json)}`);
      answers += 1;
      const loop = r.json.services.find((s: { name: string }) => s.name === "loop");
      assert.doesNotMatch(loop.reason, /NaN/);
      return loop.restarts > 1100 ? loop : null;
    },
    { what: "more than 1100 restarts of the crash loop", timeout: 60_000, interval: 20 },
  );
  assert.ok(answers > 1);
  const events = await env.events("loop");
  assert.ok(events.length > 0);
  for (const e of events) assert.doesNotMatch(e.reason, /NaN/);
});
