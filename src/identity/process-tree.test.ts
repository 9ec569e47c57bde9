import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { join } from "node:path";
import { after, test } from "node:test";
import { createServiceCgroup, detectCgroupRoot, killCgroup, removeCgroup } from "./cgroup.js";
import { readProcStat } from "./proc-stat.js";
import { buildTree, findTreeMembers, runIdEntry } from "./process-tree.js";
import {
  createMarker,
  killMarked,
  startScript,
  startTree,
  treeSelectorOf,
  waitForExit,
} from "./test-fixtures.js";

const marker = createMarker();
const root = detectCgroupRoot();
const group = `test-${randomBytes(4).toString("hex")}`;
after(async () => {
  await killMarked(marker);
  if (root !== null) assert.ok(removeCgroup(join(root, "upkeep", group)));
});

/**
 * A service tree with every way a process can sit in it: a plain child (same group), a child
 * that made its own session (still a descendant), a double-forked escapee that keeps the
 * environment (reparented to init), and a double-forked escapee that also cleared it.
 */
const TREE_SCRIPT = `
sleep ${marker} >/dev/null & echo child $!
setsid sleep ${marker} >/dev/null & echo setsid $!
sh -c 'setsid sleep ${marker} >/dev/null & echo escaped $!'
sh -c 'env -i setsid sleep ${marker} >/dev/null & echo bare $!'
echo ready
exec sleep ${marker}`;

/** Starts TREE_SCRIPT and waits until every process has finished its setsid/env/exec chain. */

test("without a cgroup, the tree is found by group, session, parentage and the run-id marker", async () => {
  const runId = randomUUID();
  const started = await startTree(TREE_SCRIPT, runId);
  try {
    const sel = treeSelectorOf(started, runId, null);
    assert.equal(sel.pgid, sel.pid, "spawned in its own group");
    const found = findTreeMembers(sel).map((s) => s.pid);
    const { pids } = started;
    assert.deepEqual(
      found,
      [sel.pid, pids.get("child")!, pids.get("setsid")!, pids.get("escaped")!].sort((a, b) => a - b),
    );
    // Documented limit: an escapee that also cleared its environment is found only by a cgroup.
    assert.ok(!found.includes(pids.get("bare")!));
    assert.equal(readProcStat(pids.get("escaped")!)!.ppid === sel.pid, false, "the escapee was reparented");
  } finally {
    await killMarked(marker);
    await waitForExit(started.child);
  }
});

test(
  "with a cgroup, even an escapee with a cleared environment is found",
  { skip: root === null && "no writable cgroup2" },
  async () => {
    const runId = randomUUID();
    const cgroup = createServiceCgroup(root!, group, "tree");
    const started = await startTree(TREE_SCRIPT, runId, cgroup);
    try {
      const found = findTreeMembers(treeSelectorOf(started, runId, cgroup)).map((s) => s.pid);
      for (const name of ["child", "setsid", "escaped", "bare"])
        assert.ok(found.includes(started.pids.get(name)!), name);
      assert.equal(found.length, 5);
    } finally {
      killCgroup(cgroup);
      await waitForExit(started.child);
    }
  },
);

test("buildTree nests members under their parents; reparented ones become roots", async () => {
  const runId = randomUUID();
  const started = await startTree(TREE_SCRIPT, runId);
  try {
    const sel = treeSelectorOf(started, runId, null);
    const roots = buildTree(findTreeMembers(sel));
    const main = roots.find((n) => n.stat.pid === sel.pid)!;
    assert.deepEqual(
      main.children.map((n) => n.stat.pid),
      [started.pids.get("child")!, started.pids.get("setsid")!].sort((a, b) => a - b),
    );
    assert.deepEqual(
      roots.map((n) => n.stat.pid),
      [sel.pid, started.pids.get("escaped")!].sort((a, b) => a - b),
    );
  } finally {
    await killMarked(marker);
    await waitForExit(started.child);
  }
});

test("a PID that names another process (start time differs) does not bring in its group", async () => {
  const started = await startScript(
    `sleep ${marker} >/dev/null & echo child $!; echo ready; exec sleep ${marker}`,
  );
  try {
    const sel = { ...treeSelectorOf(started, randomUUID(), null) };
    sel.startTime -= 1; // the record predates what holds the PID and its group now
    assert.deepEqual(findTreeMembers(sel), []);
    assert.equal(
      findTreeMembers({ ...sel, startTime: sel.startTime + 1 }).length,
      2,
      "the true record finds both",
    );
  } finally {
    await killMarked(marker);
    await waitForExit(started.child);
  }
});

test("never includes upkeep itself or PID 1, whatever the selector says", () => {
  // Our parent's tree holds us: everything else of it is found, we are not.
  const parent = readProcStat(process.ppid)!;
  const sel = { pid: parent.pid, startTime: parent.startTime, pgid: 0, sid: 0, runId: "x", cgroup: null };
  const found = findTreeMembers(sel).map((s) => s.pid);
  assert.ok(found.includes(parent.pid));
  assert.ok(!found.includes(process.pid));
  const init = { pid: 1, startTime: readProcStat(1)!.startTime, pgid: 1, sid: 1, runId: "x", cgroup: null };
  assert.deepEqual(findTreeMembers(init), []);
  assert.equal(runIdEntry("abc"), "UPKEEP_RUN_ID=abc");
});
