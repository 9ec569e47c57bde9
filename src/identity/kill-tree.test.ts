import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { join } from "node:path";
import { after, test } from "node:test";
import { waitFor } from "../../test/helpers/wait-for.js";
import { createServiceCgroup, detectCgroupRoot, isCgroupEmpty, removeCgroup } from "./cgroup.js";
import { isTreeGoneFast, killTreeAndWait, signalMembers, signalTree } from "./kill-tree.js";
import { readCmdline, readProcStat } from "./proc-stat.js";
import { findTreeMembers } from "./process-tree.js";
import { scanProcesses } from "./process-table.js";
import {
  createMarker,
  findMarked,
  isAlive,
  killMarked,
  startScript,
  startTree,
  treeSelectorOf,
  waitForComm,
  waitForExit,
} from "./test-fixtures.js";

const marker = createMarker();
const root = detectCgroupRoot();
const noCgroup = root === null && "no writable cgroup2 mount";
const group = `test-${randomBytes(4).toString("hex")}`;
after(async () => {
  await killMarked(marker);
  if (root !== null) assert.ok(removeCgroup(join(root, "upkeep", group)));
});

/** Main process, a child, a setsid'd escapee with the marker, and one with a cleared environment. */
const TREE_SCRIPT = `
sleep ${marker} >/dev/null & echo child $!
sh -c 'setsid sleep ${marker} >/dev/null & echo escaped $!'
sh -c 'env -i setsid sleep ${marker} >/dev/null & echo bare $!'
echo ready
exec sleep ${marker}`;

test("signalTree sends the signal to the main process, its group and marked escapees", async () => {
  const runId = randomUUID();
  const started = await startTree(TREE_SCRIPT, runId);
  try {
    const sent = signalTree(treeSelectorOf(started, runId, null), "SIGTERM");
    const expected = [started.child.pid!, started.pids.get("child")!, started.pids.get("escaped")!];
    assert.deepEqual(
      sent,
      expected.sort((a, b) => a - b),
    );
    await waitForExit(started.child);
    await waitFor(() => expected.every((pid) => !isAlive(pid)), { what: "the signalled processes to exit" });
    assert.ok(isAlive(started.pids.get("bare")!), "the unmarked escapee is out of reach without a cgroup");
  } finally {
    await killMarked(marker);
  }
});

test("signalMembers skips a PID whose start time no longer matches (a reused PID)", async () => {
  const child = spawn("sleep", [marker], { stdio: "ignore" });
  try {
    await waitForComm([child.pid!], "sleep");
    const stat = readProcStat(child.pid!)!;
    assert.deepEqual(signalMembers([{ ...stat, startTime: stat.startTime - 1 }], "SIGKILL"), []);
    assert.deepEqual(signalMembers([stat], "SIGKILL"), [child.pid], "the true record is signalled");
    await waitForExit(child);
    assert.equal(child.signalCode, "SIGKILL", "killed by the second call, not the first");
  } finally {
    child.kill("SIGKILL");
  }
});

test("signalTree continues stopped processes after SIGTERM so they can act on it", async () => {
  const runId = randomUUID();
  const started = await startScript(`echo ready; exec sleep ${marker}`, { env: { UPKEEP_RUN_ID: runId } });
  await waitForComm([started.child.pid!], "sleep");
  process.kill(started.child.pid!, "SIGSTOP");
  await waitFor(() => readProcStat(started.child.pid!)?.state === "T", { what: "the process to stop" });
  assert.deepEqual(signalTree(treeSelectorOf(started, runId, null), "SIGTERM"), [started.child.pid]);
  await waitForExit(started.child);
  assert.equal(started.child.signalCode, "SIGTERM");
});

test("killTreeAndWait without a cgroup kills the scan-found tree and waits until it is gone", async (t) => {
  const runId = randomUUID();
  const started = await startTree(TREE_SCRIPT, runId);
  try {
    const sel = treeSelectorOf(started, runId, null);
    const t0 = performance.now();
    const members = findTreeMembers(sel);
    const scanMs = performance.now() - t0;
    t.diagnostic(
      `tree scan over ${scanProcesses().length} processes (environ marker search): ${scanMs.toFixed(2)} ms`,
    );
    assert.equal(members.length, 3);
    const t1 = performance.now();
    const result = await killTreeAndWait(sel, 2000);
    t.diagnostic(`killTreeAndWait without cgroup: ${(performance.now() - t1).toFixed(1)} ms`);
    assert.deepEqual(result.survivors, []);
    assert.deepEqual(result.killed.sort(), members.map((m) => m.pid).sort());
    for (const pid of result.killed) assert.ok(!isAlive(pid), `PID ${pid} is gone`);
    await waitForExit(started.child);
    assert.equal(started.child.signalCode, "SIGKILL");
  } finally {
    await killMarked(marker);
  }
});

test("killTreeAndWait catches processes forked while the tree is being killed", async () => {
  const runId = randomUUID();
  // A parent that keeps forking children that start new sessions.
  const started = await startScript(
    `echo ready; while :; do setsid sleep ${marker} >/dev/null & sleep 0.002; done`,
    { env: { UPKEEP_RUN_ID: runId } },
  );
  // The parent's own command line (the script) carries the marker too: count exec'd sleeps.
  const sleeping = (): number[] => findMarked(marker).filter((pid) => readCmdline(pid)?.[0] === "sleep");
  await waitFor(() => sleeping().length >= 3, { what: "a few forked children" });
  const result = await killTreeAndWait(treeSelectorOf(started, runId, null), 3000);
  assert.deepEqual(result.survivors, []);
  assert.ok(result.killed.length >= 4, `the parent and at least 3 children killed: ${result.killed.length}`);
  assert.deepEqual(findMarked(marker), [], "no child of the forking loop is left");
  await waitForExit(started.child);
});

test(
  "killTreeAndWait with a cgroup also kills an escapee that cleared its environment",
  { skip: noCgroup },
  async () => {
    const runId = randomUUID();
    const cgroup = createServiceCgroup(root!, group, "kill");
    const started = await startTree(TREE_SCRIPT, runId, cgroup);
    const bare = started.pids.get("bare")!;
    const result = await killTreeAndWait(treeSelectorOf(started, runId, cgroup), 2000);
    assert.deepEqual(result.survivors, []);
    assert.ok(result.killed.includes(bare));
    assert.ok(!isAlive(bare));
    assert.ok(isCgroupEmpty(cgroup));
    await waitForExit(started.child);
    assert.ok(removeCgroup(cgroup));
  },
);

test(
  "after a crash with nothing left, killTreeAndWait returns in well under 1 ms",
  { skip: noCgroup },
  async (t) => {
    const runId = randomUUID();
    const cgroup = createServiceCgroup(root!, group, "fast");
    const started = await startScript(`echo ready; exec sleep ${marker}`, {
      env: { UPKEEP_RUN_ID: runId },
      cgroup,
    });
    await waitForComm([started.child.pid!], "sleep");
    const sel = treeSelectorOf(started, runId, cgroup);
    process.kill(sel.pid, "SIGKILL"); // the crash
    await waitForExit(started.child);
    await waitFor(() => isCgroupEmpty(cgroup), { what: "the cgroup to empty" });
    assert.ok(isTreeGoneFast(sel));
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const result = await killTreeAndWait(sel, 1000);
      times.push(performance.now() - t0);
      assert.deepEqual(result, { killed: [], survivors: [] });
    }
    times.sort((a, b) => a - b);
    const median = times[10]!;
    t.diagnostic(
      `fast path: median ${(median * 1000).toFixed(0)} µs, min ${(times[0]! * 1000).toFixed(0)} µs`,
    );
    assert.ok(median < 1, `median ${median} ms`);
    assert.ok(removeCgroup(cgroup));
  },
);

test("without a cgroup there is no fast path: a scan must prove no escapee is left", () => {
  const self = readProcStat(process.pid)!;
  const sel = {
    pid: 999_999_999,
    startTime: self.startTime,
    pgid: 0,
    sid: 0,
    runId: randomUUID(),
    cgroup: null,
  };
  assert.equal(isTreeGoneFast(sel), false);
});
