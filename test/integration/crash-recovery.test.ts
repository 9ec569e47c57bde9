import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { isAlive, TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

describe("crash recovery: the daemon is killed with SIGKILL", () => {
  const env = new TestEnv();
  after(() => env.teardown());

  test("services survive, the next daemon adopts the same PIDs, starts no duplicate and loses no output", async () => {
    env.writeConfig(`
services:
  chatty:
    command: ["{fixtures}/counter", "{marker}", "0", "2"]
  quiet:
    command: ["{fixtures}/ticker", "{marker}", "0.2"]
`);
    await env.startDaemon();
    const chatty = await env.waitForService("chatty", "running", "chatty running");
    const quiet = await env.status("quiet");
    const logFile = join(env.stateDir, "logs", "chatty.out.log");
    await waitFor(() => readFileSync(logFile, "utf8").includes("line 1000\n"), {
      what: "chatty's output captured",
    });

    await env.killDaemon();
    assert.ok(isAlive(chatty.pid), "chatty must survive the daemon's death");
    assert.ok(isAlive(quiet.pid), "quiet must survive the daemon's death");
    // While no daemon reads, chatty fills the FIFO and blocks; it must not die of SIGPIPE.
    const sizeAtDeath = readFileSync(logFile).length;

    await env.startDaemon();
    const adopted = await env.status("chatty");
    assert.equal(adopted.pid, chatty.pid, "the same process is adopted");
    assert.equal(adopted.state, "running");
    assert.equal((await env.status("quiet")).pid, quiet.pid);
    // quiet's `sleep 0.2` children come and go: one may end between the listing and the read.
    const cmdlineOf = (pid: number): string => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return "";
        throw err;
      }
    };
    const pidsOfChatty = env.markedPids().filter((pid) => cmdlineOf(pid).includes("counter"));
    assert.deepEqual(pidsOfChatty, [chatty.pid], "no duplicate was started");

    // Output written while the daemon was down arrives, every line, in order.
    await waitFor(() => readFileSync(logFile).length > sizeAtDeath + 100_000, {
      what: "output written during the downtime to arrive",
    });
    const lines = readFileSync(logFile, "utf8").split("\n").slice(0, -1);
    lines.forEach((line, i) => assert.equal(line, `line ${i + 1}`, `line ${i + 1} lost or out of order`));

    const { json } = await env.api("GET", "/api/v1/events?service=chatty&n=20");
    assert.ok(
      json.events.some((e: { kind: string }) => e.kind === "adopted"),
      "an adopted event is recorded",
    );

    // The adopted process is watched: when it dies it is restarted normally.
    process.kill(chatty.pid, "SIGKILL");
    const restarted = await env.waitForService(
      "chatty",
      "running",
      "the adopted service restarted after it died",
      chatty.pid,
    );
    assert.ok(isAlive(restarted.pid));
  });
});
