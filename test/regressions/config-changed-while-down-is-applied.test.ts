import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { after, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

// A config changed while no daemon ran was never applied: the next daemon adopted the old
// process, still running the old command or environment, and `status`, `check` and
// `reload-config --dry-run` all said everything was fine. What must never happen again: a
// daemon adopts a process started with process-shaping values the config no longer has and
// leaves it running as if current. It restarts it once, with an event naming the changed keys;
// a service whose config did not change keeps its PID.
const env = new TestEnv();
after(() => env.teardown());

function environOf(pid: number): string[] {
  return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
}

function writeConfig(mode: string): void {
  env.writeConfig(
    `services:
  changed:
    command: ["{fixtures}/ticker", "{marker}", "0.2"]
    env: { MODE: "${mode}" }
  same:
    command: ["{fixtures}/ticker", "{marker}", "0.2"]
    env: { MODE: "steady" }
`,
  );
}

test("env changed while the daemon was down: that service is restarted once with the new env, the other adopted", async () => {
  writeConfig("A");
  await env.startDaemon();
  const changedBefore = await env.waitForService("changed", "running", "changed running with MODE=A");
  const sameBefore = await env.waitForService("same", "running", "same running");
  assert.ok(environOf(changedBefore.pid).includes("MODE=A"));
  await env.killDaemon();

  writeConfig("B");
  await env.startDaemon();
  const changedAfter = await env.waitForService(
    "changed",
    "running",
    "changed restarted with the new env",
    changedBefore.pid,
  );
  assert.ok(environOf(changedAfter.pid).includes("MODE=B"), "the restarted process has MODE=B");
  const sameAfter = await env.waitForService("same", "running", "same adopted");
  assert.equal(sameAfter.pid, sameBefore.pid, "an unchanged service keeps its process");

  const events = await env.events("changed");
  const config = events.filter((e) => e.kind === "config");
  assert.equal(config.length, 1, JSON.stringify(config));
  assert.deepEqual(config[0].details.keys, ["env.MODE"]);
  assert.match(config[0].reason, /config changed while the daemon was down \(env\.MODE\)/);
  // Restarted once: one adoption, then exactly one new start.
  const adopted = events.findIndex((e) => e.kind === "adopted");
  assert.ok(adopted >= 0, "the old process was adopted first");
  const spawnsAfter = events.slice(adopted).filter((e) => e.kind === "spawn");
  assert.equal(spawnsAfter.length, 1, JSON.stringify(spawnsAfter));
  assert.equal(
    (await env.events("same")).filter((e) => e.kind === "config").length,
    0,
    "no config event for the unchanged service",
  );

  // Nothing is pending now, and status and check say the services run the current config.
  const dry = env.cli("reload-config", "--dry-run", "--json");
  assert.equal(dry.code, 0, dry.stderr);
  const plan = JSON.parse(dry.stdout).plan;
  assert.deepEqual([plan.add, plan.remove, plan.restart, plan.live], [[], [], [], []]);
  await waitFor(async () => (await env.status("changed")).started_with === "current", {
    what: "status to say changed runs the current config",
  });
  const check = env.cli("check");
  assert.equal(check.code, 0, check.stdout);
});

test("a process recorded by an older upkeep (no config shape) is adopted, not restarted, and shown as unknown", async () => {
  const old = new TestEnv();
  try {
    old.writeConfig(`services:\n  legacy:\n    command: ["{fixtures}/ticker", "{marker}", "0.2"]\n`);
    await old.startDaemon();
    const before = await old.waitForService("legacy", "running", "legacy running");
    await old.killDaemon();
    // What an upkeep before schema version 2 left: a process row without a shape.
    const db = new Database(join(old.stateDir, "state.db"));
    db.prepare("UPDATE processes SET shape = NULL").run();
    db.close();
    await old.startDaemon();
    const after = await old.waitForService("legacy", "running", "legacy adopted");
    assert.equal(after.pid, before.pid, "adopted, not restarted");
    assert.equal(after.started_with, "unknown");
    assert.match(after.started_with_note, /older upkeep .* unknown; `upkeep restart legacy` applies it/);
    const events = await old.events("legacy");
    assert.ok(events.some((e) => e.kind === "config" && e.details.started_with === "unknown"));
    const status = old.cli("status");
    assert.match(status.stdout, /\n {2}config: started by an older upkeep/);
    const dry = old.cli("reload-config", "--dry-run");
    assert.match(dry.stdout, /config unknown \(started by an older upkeep.*\): legacy\n/);
  } finally {
    await old.teardown();
  }
});
