import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { after, describe, test } from "node:test";
import { CLI, TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

/** Run a following CLI command in the background and collect what it prints. */
function follow(env: TestEnv, ...args: string[]): { child: ChildProcess; output: () => string } {
  let text = "";
  const child = spawn(process.execPath, [CLI, "--config", env.configFile, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (d: Buffer) => (text += d.toString()));
  child.stderr.on("data", (d: Buffer) => (text += d.toString()));
  return { child, output: () => text };
}

describe("following logs and events", () => {
  const env = new TestEnv();
  const followers: ChildProcess[] = [];
  after(async () => {
    for (const f of followers) f.kill("SIGINT");
    await env.teardown();
  });

  test("logs -f prints new lines as the service writes them, and events -f prints new events", async () => {
    env.writeConfig(`
services:
  ticker:
    command: ["{fixtures}/ticker", "{marker}", "0.1"]
    backoff: { initial: 0ms }
`);
    await env.startDaemon();
    await waitFor(async () => (await env.status("ticker")).state === "running", { what: "ticker running" });
    const logs = follow(env, "logs", "ticker", "-f", "-n", "1");
    const events = follow(env, "events", "ticker", "-f", "-n", "1");
    followers.push(logs.child, events.child);
    // A line numbered higher than any written before the follower started proves it follows.
    const first = await waitFor(() => /tick (\d+)/.exec(logs.output())?.[1], {
      what: "the first followed line",
    });
    await waitFor(() => logs.output().includes(`tick ${Number(first) + 3}\n`), {
      what: "later lines followed",
    });
    const numbers = [...logs.output().matchAll(/tick (\d+)/g)].map((m) => Number(m[1]));
    numbers.forEach((n, i) =>
      assert.equal(n, Number(first) + i, "followed lines arrive once each, in order"),
    );

    const { pid } = await env.status("ticker");
    process.kill(pid, "SIGKILL");
    await waitFor(() => /killed by SIGKILL/.test(events.output()), { what: "the exit to be followed" });
    await waitFor(
      () => /started PID/.test(events.output().slice(events.output().indexOf("killed by SIGKILL"))),
      {
        what: "the new spawn to be followed",
      },
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n--- events -f printed:\n${events.output()}`);
    });
  });
});
