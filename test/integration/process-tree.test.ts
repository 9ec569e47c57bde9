import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ProcessJson, ServiceTreeJson } from "../../src/api/wire.js";
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

describe("upkeep ps", () => {
  const env = new TestEnv();
  after(() => env.teardown());

  test("ps shows the whole tree, nested, with the TCP and UNIX sockets each process listens on", async () => {
    const socket = join(env.stateDir, "app.sock");
    env.writeConfig(`
services:
  web:
    command: ["{fixtures}/listening-tree", "{marker}", "${socket}"]
`);
    await env.startDaemon();
    const web = await env.waitForService("web", "running", "web running");
    const all = (nodes: ProcessJson[]): ProcessJson[] => nodes.flatMap((n) => [n, ...all(n.children)]);
    const tree = await waitFor(
      () => {
        const r = env.cli("ps", "web", "--json");
        assert.equal(r.code, 0, r.stderr);
        const parsed = JSON.parse(r.stdout) as ServiceTreeJson;
        const listening = all(parsed.processes).flatMap((p) => p.listening);
        return all(parsed.processes).length >= 3 && listening.length >= 2 ? parsed : null;
      },
      { what: "the script, its listener and the setsid grandchild in ps" },
    );
    assert.equal(tree.pid, web.pid);
    assert.equal(tree.processes[0]!.pid, web.pid, "the main process leads");
    const members = all(tree.processes);
    // Exactly the processes of this start: those that carry its marker variable.
    assert.deepEqual(
      members.map((p) => p.pid).sort((a, b) => a - b),
      pidsOfRun(runIdOf(web.pid)).sort((a, b) => a - b),
    );
    const listener = members.find((p) => p.name === "node")!;
    assert.ok(listener, "the node listener is in the tree");
    assert.equal(listener.ppid, web.pid, "nested under the script that started it");
    const tcp = listener.listening.find((l) => l.protocol === "tcp");
    assert.ok(
      tcp && tcp.protocol === "tcp" && tcp.address === "127.0.0.1" && tcp.port > 0,
      JSON.stringify(listener),
    );
    assert.deepEqual(
      listener.listening.filter((l) => l.protocol === "unix"),
      [{ protocol: "unix", path: socket }],
    );
    assert.ok(
      members.some((p) => p.cmdline.join(" ") === "sleep 1003"),
      "the setsid grandchild is listed",
    );

    const table = env.cli("ps", "web");
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^PID +STATE +PROCESS +LISTEN\n/);
    assert.match(
      table.stdout,
      new RegExp(`\\d+ +S +[├└]─ node -e .* +tcp 127\\.0\\.0\\.1:${tcp.port}, unix ${socket}\\n`),
    );

    assert.equal(env.cli("stop", "web").code, 0);
    assert.equal(env.cli("ps", "web").stdout, "web: stopped, no process of it is running\n");
    const unknown = env.cli("ps", "nosuch");
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no service named 'nosuch'/);
  });
});
