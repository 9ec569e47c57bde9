// The peer-connection daemon of the issue: one instance per remote host, each checked before
// it starts (a host that is down is not hammered), given up after a few failed attempts until an
// operator resets it, and never stuck on a peer that does not answer.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createServer, Socket, type Server } from "node:net";
import { after, before, describe, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";
import { freePorts } from "../helpers/ports.js";
import { waitFor } from "../helpers/wait-for.js";

/** A peer that does not answer: a listener whose accept queue is full, so SYNs are dropped. */
async function silentPeer(): Promise<{ port: number; close: () => void }> {
  const script = [
    "import socket, sys",
    "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(0)",
    "print(s.getsockname()[1], flush=True); sys.stdin.read()",
  ].join("\n");
  const child: ChildProcess = spawn("python3", ["-c", script], { stdio: ["pipe", "pipe", "inherit"] });
  const port = Number(
    await new Promise<string>((resolve) => child.stdout!.once("data", (d: Buffer) => resolve(String(d)))),
  );
  const filler = new Socket();
  await new Promise<void>((resolve, reject) =>
    filler.once("error", reject).connect(port, "127.0.0.1", resolve),
  );
  return {
    port,
    close: () => {
      filler.destroy();
      child.kill("SIGKILL");
    },
  };
}

describe("one instance per peer", () => {
  const env = new TestEnv();
  let silent: { port: number; close: () => void };
  let up: Server;
  let upPort = 0;
  before(async () => {
    silent = await silentPeer();
    upPort = (await freePorts(1))[0]!;
    up = createServer((s) => s.destroy()).listen(upPort, "127.0.0.1");
  });
  after(async () => {
    silent.close();
    up.close();
    await env.teardown();
  });

  test("a silent peer keeps its instance waiting; a failing link is given up until reset", async () => {
    env.writeConfig(`
services:
  link:
    instances: [${silent.port}, ${upPort}]
    command: ["{fixtures}/exit-after", "{marker}", "0.2", "1"]
    condition: { tcp: "127.0.0.1:{instance}", every: 300ms, timeout: 200ms }
    start_limit: { burst: 2, interval: 60s }
    backoff: { initial: 50ms }
`);
    await env.startDaemon();
    const silentName = `link@${silent.port}`;
    const upName = `link@${upPort}`;
    const waiting = await waitFor(
      async () => {
        const s = await env.status(silentName);
        return s.state === "waiting" && /no answer within 200ms/.test(s.reason) ? s : null;
      },
      { what: "the silent peer's instance waiting on its condition" },
    );
    assert.match(waiting.reason, new RegExp(`condition tcp 127.0.0.1:${silent.port} does not hold`));

    const failed = await env.waitForService(upName, "failed", "the failing link given up");
    assert.match(
      failed.reason,
      /start limit hit: 2 attempts within 60s; stays failed until `upkeep start` or `upkeep reset`/,
    );
    const spawnsOf = async (name: string): Promise<number> =>
      (await env.events(name)).filter((e) => e.kind === "spawn").length;
    assert.equal(await spawnsOf(upName), 2, "two attempts, then no more");
    assert.equal(await spawnsOf(silentName), 0, "a peer that does not answer is never tried");

    const reset = env.cli("reset", upName);
    assert.equal(reset.code, 0, reset.stderr);
    await waitFor(async () => (await spawnsOf(upName)) >= 3 || null, { what: "a new attempt after reset" });
    assert.equal((await env.status(silentName)).state, "waiting");
  });
});
