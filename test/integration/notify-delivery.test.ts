import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { withTestEnv } from "../helpers/daemon.js";
import { readRecorded, startHookServer } from "../helpers/notify-receivers.js";
import { waitFor } from "../helpers/wait-for.js";

describe("notification delivery", () => {
  test("a crash loop of 20 crashes sends one message per min_interval, with how many were folded", async () => {
    await withTestEnv(async (env) => {
      const out = join(env.dir, "exec.out");
      env.writeConfig(`
notify:
  on: [crash]
  min_interval: 2s
  exec: ["{fixtures}/notify-recorder", "${out}"]
services:
  loop:
    command: ["{fixtures}/exit-after", "{marker}", "0", "1"]
    backoff: { initial: 150ms, max: 150ms, jitter: 0 }
    start_limit: { burst: 1000, interval: 60s }
`);
      await env.startDaemon();
      const crashes = (events: any[]): number =>
        events.filter((e) => e.kind === "state" && e.to === "backoff" && e.from === "running").length;
      await waitFor(async () => crashes(await env.events("loop")) >= 20, {
        what: "20 crashes",
        timeout: 30_000,
      });
      const stop = env.cli("stop", "loop");
      assert.equal(stop.code, 0, stop.stderr);
      const total = crashes(await env.events("loop"));
      // Every crash is told once: in a message of its own, or counted in a later one.
      const got = await waitFor(
        () => {
          const r = readRecorded(out);
          return r.reduce((n, x) => n + x.payload.events, 0) === total ? r : null;
        },
        { what: `messages telling all ${total} crashes`, timeout: 15_000 },
      );
      const times = got.map((r) => Date.parse(r.payload.time));
      for (let i = 1; i < times.length; i++)
        assert.ok(
          times[i]! - times[i - 1]! >= 1900,
          `messages ${i - 1} and ${i} are 2 s apart: ${times.join(", ")}`,
        );
      const span = times[times.length - 1]! - times[0]!;
      assert.ok(got.length <= Math.floor(span / 2000) + 1, `${got.length} messages over ${span} ms`);
      assert.ok(got.length < total / 2, `${got.length} messages for ${total} crashes`);
      const folded = got.filter((r) => r.payload.folded > 0);
      assert.ok(folded.length > 0);
      for (const r of folded)
        assert.match(r.subject, new RegExp(`crashed ${r.payload.folded} more times? \\(exit 1\\)`));
    });
  });

  test("a webhook that hangs for 60 s does not delay a restart", async () => {
    await withTestEnv(async (env) => {
      const hooks = await startHookServer("hang");
      try {
        env.writeConfig(`
notify:
  on: [crash]
  min_interval: 0s
  webhook: { url: "${hooks.url}", timeout: 60s }
services:
  victim:
    command: [sleep, "1000"] # one process, as in the bench; the marker is in its environment
    backoff: { initial: 0ms, jitter: 0 }
    start_limit: { burst: 1000, interval: 60s }
`);
        await env.startDaemon();
        let pid = (await env.waitForService("victim", "running", "victim running")).pid as number;
        const latencies: number[] = [];
        for (let i = 0; i < 5; i++) {
          process.kill(pid, "SIGKILL");
          const next = await env.waitForService("victim", "running", "victim restarted", pid);
          const events = await env.events("victim");
          const exit = events.filter((e) => e.kind === "exit").at(-1);
          const spawn = events.filter((e) => e.kind === "spawn").at(-1);
          latencies.push(Date.parse(spawn.ts) - Date.parse(exit.ts));
          pid = next.pid;
          if (i === 0)
            await waitFor(() => hooks.held.length >= 1, { what: "the webhook to hang on the first message" });
        }
        assert.ok(hooks.held.length >= 1, "the notifier was hanging all along");
        // The daemon's own clock from exit to the new spawn: the bench range is a few ms; a
        // loaded test machine gets a wide margin, far below the webhook's 60 s.
        for (const ms of latencies) assert.ok(ms < 250, `restart took ${ms} ms: ${latencies.join(", ")}`);
        // The other messages wait behind the hanging one, in the outbox.
        await waitFor(async () => (await env.api("GET", "/api/v1/notify/outbox")).json.pending.length === 5, {
          what: "the five messages in the outbox",
        });
        assert.equal(hooks.held.length, 1, "one try at a time per channel");
      } finally {
        await hooks.close();
      }
    });
  });

  test("a message pending when the daemon is SIGKILLed is sent by the next daemon, exactly once", async () => {
    await withTestEnv(async (env) => {
      const out = join(env.dir, "exec.out");
      const ready = join(env.dir, "notifier-ready");
      const flag = join(env.dir, "crashed-{marker}");
      const script = 'if [ -e "$0" ]; then exec sleep 1000; fi; touch "$0"; exit 4';
      env.writeConfig(`
notify:
  on: [crash]
  exec: { command: ["{fixtures}/notify-recorder", "${out}", "${ready}"], timeout: 5s }
services:
  once:
    command: [sh, -c, ${JSON.stringify(script)}, "${flag}"]
    backoff: { initial: 100ms }
`);
      await env.startDaemon();
      // The notifier is not ready: the first try fails, and a retry is scheduled in 2 s.
      const failed = await waitFor(
        async () => (await env.events("once")).find((e) => e.kind === "notify_failed"),
        { what: "the first try to fail" },
      );
      const id = failed.details.id as string;
      assert.match(
        failed.reason,
        /notification crash via exec .*notify-recorder failed \(try 1 of 6\): .*not ready/,
      );
      await env.killDaemon();
      writeFileSync(ready, "");
      await env.startDaemon();
      await waitFor(() => readRecorded(out).length === 1, {
        what: "the pending message to be sent by the next daemon",
      });
      await waitFor(async () => (await env.api("GET", "/api/v1/notify/outbox")).json.pending.length === 0, {
        what: "the outbox to be empty",
      });
      // A third daemon finds nothing left to send: the delivered message was removed.
      await env.killDaemon();
      await env.startDaemon();
      const outbox = await env.api("GET", "/api/v1/notify/outbox");
      assert.deepEqual(outbox.json.pending, []);
      const got = readRecorded(out);
      assert.equal(got.length, 1, JSON.stringify(got));
      assert.equal(got[0]!.id, id, "sent under the id it was stored with");
      assert.equal(got[0]!.payload.exit_code, 4);
    });
  });
});
