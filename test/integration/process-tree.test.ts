import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, describe, test } from "node:test";
import { findPidsWithArg, isAlive, TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

/** PIDs of processes whose environment holds UPKEEP_RUN_ID of the given value. */
function pidsOfRun(runEnv: string): number[] {
  return findPidsWithArg(runEnv);
}

function runIdOf(pid: number): string {
  const env = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
  const entry = env.find((e) => e.startsWith("UPKEEP_RUN_ID="));
  assert.ok(entry, "services carry UPKEEP_RUN_ID");
  return entry;
}

describe("whole process trees", () => {
  const env = new TestEnv();
  after(() => env.teardown());

  test("stop and restart leave no grandchild behind, also those that left the group (setsid)", async () => {
    env.writeConfig(`
services:
  tree:
    command: ["{fixtures}/tree-with-grandchildren", "{marker}"]
    stop: { timeout: 2s }
`);
    await env.startDaemon();
    const first = await env.waitForService("tree", "running", "tree running");
    const run1 = runIdOf(first.pid);
    const members = await waitFor(() => (pidsOfRun(run1).length >= 4 ? pidsOfRun(run1) : null), {
      what: "the script and its three grandchildren",
    });
    const setsidOne = members.find((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("1002"));
    assert.ok(setsidOne, "one grandchild runs in its own session");

    const r = env.cli("restart", "tree");
    assert.equal(r.code, 0, r.stderr);
    for (const pid of members)
      assert.equal(isAlive(pid), false, `PID ${pid} of the old tree survived the restart`);
    const second = await env.status("tree");
    const run2 = runIdOf(second.pid);
    const members2 = await waitFor(() => (pidsOfRun(run2).length >= 4 ? pidsOfRun(run2) : null), {
      what: "the new tree",
    });

    assert.equal(env.cli("stop", "tree").code, 0);
    for (const pid of members2) assert.equal(isAlive(pid), false, `PID ${pid} survived the stop`);
  });

  test("a service that ignores SIGTERM is killed after the stop timeout", async () => {
    env.writeConfig(`
services:
  tree:
    command: ["{fixtures}/tree-with-grandchildren", "{marker}"]
  stubborn:
    command: ["{fixtures}/ignore-term", "{marker}"]
    stop: { timeout: 300ms }
`);
    const reload = env.cli("reload-config");
    assert.equal(reload.code, 0, reload.stderr);
    const s = await env.waitForService("stubborn", "running", "stubborn running");
    await waitFor(
      () => {
        try {
          return readFileSync(`${env.stateDir}/logs/stubborn.out.log`, "utf8").includes("trap set");
        } catch {
          return false;
        }
      },
      { what: "the SIGTERM trap to be set" },
    );
    const r = env.cli("stop", "stubborn");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(isAlive(s.pid), false);
    const { json } = await env.api("GET", "/api/v1/events?service=stubborn&n=20");
    assert.ok(json.events.some((e: { reason: string }) => /did not stop within 0.3s/.test(e.reason)));
  });
});
