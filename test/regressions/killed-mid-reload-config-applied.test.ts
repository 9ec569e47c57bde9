import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";

// A daemon killed in the middle of a reload (SIGHUP, then SIGKILL while a changed service was
// still stopping) left its old process running; the next daemon adopted it with the old
// environment and said all was well. What must never happen again: the reload the killed
// daemon did not finish is finished by the next one, which restarts that service once with
// the config it reads.
const env = new TestEnv();
after(() => env.teardown());

function environOf(pid: number): string[] {
  return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
}

function writeConfig(mode: string): void {
  // ignore-term: the reload's stop lasts the whole stop timeout, long enough to kill the daemon.
  env.writeConfig(
    `services:
  slow:
    command: ["{fixtures}/ignore-term", "{marker}"]
    env: { MODE: "${mode}" }
    stop: { timeout: 4s }
`,
  );
}

test("a daemon killed while a reload restarts a service: the next daemon restarts it with the new config", async () => {
  writeConfig("A");
  await env.startDaemon();
  const before = await env.waitForService("slow", "running", "slow running with MODE=A");
  writeConfig("B");
  env.daemon!.kill("SIGHUP");
  await env.waitForService("slow", "stopping", "the reload stopping slow");
  await env.killDaemon();
  assert.ok(environOf(before.pid).includes("MODE=A"), "the old process outlived the daemon");

  await env.startDaemon();
  const restarted = await env.waitForService("slow", "running", "slow restarted with MODE=B", before.pid);
  assert.ok(environOf(restarted.pid).includes("MODE=B"));
  const events = await env.events("slow");
  const config = events.filter((e) => e.kind === "config");
  assert.equal(config.length, 1, JSON.stringify(config));
  assert.deepEqual(config[0].details.keys, ["env.MODE"]);
  assert.equal(restarted.started_with, "current");
});
