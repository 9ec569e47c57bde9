import assert from "node:assert/strict";
import { after, test } from "node:test";
import { isAlive, TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

// A crash whose tree had to be killed (a grandchild outlived the main process) used
// cgroup.kill; on this kernel every process born into that cgroup afterwards with
// clone3(CLONE_INTO_CGROUP) was SIGKILLed at birth, so the service crash-looped into `failed`.
// What must never happen again: after its leftovers are killed, a service restarts and stays up.
const env = new TestEnv();
after(() => env.teardown());

test("a service whose crash left a grandchild behind restarts and stays up", async () => {
  env.writeConfig(`
services:
  tree:
    command: [sh, -c, "{fixtures}/ticker {marker} 5 & echo up; exec {fixtures}/ticker {marker} 5"]
    backoff: { initial: 0ms }
`);
  await env.startDaemon();
  const first = await env.waitForService("tree", "running", "tree running");
  process.kill(first.pid, "SIGKILL");
  const second = await env.waitForService("tree", "running", "tree running again", first.pid);
  // The new process printing its line proves it lived past its birth.
  await waitFor(() => (env.cli("logs", "tree").stdout.match(/^up$/gm)?.length ?? 0) >= 2, {
    what: "the restarted service to print its line",
  });
  assert.ok(isAlive(second.pid), "the restarted service is alive");
  const now = await env.status("tree");
  assert.equal(now.pid, second.pid);
  assert.equal(now.restarts, 1, "one restart, no crash loop");
});
