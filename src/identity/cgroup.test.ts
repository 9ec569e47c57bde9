import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { waitFor } from "../../test/helpers/wait-for.js";
import { UpkeepError } from "../core/errors.js";
import {
  cgroupFsPath,
  cgroupPids,
  cgroupRecordPath,
  createServiceCgroup,
  detectCgroupRoot,
  isCgroupEmpty,
  killCgroup,
  placeInCgroup,
  readProcCgroup,
  removeCgroup,
  runInCgroup,
} from "./cgroup.js";
import { createMarker, isAlive, killMarked, startScript, waitForExit } from "./test-fixtures.js";

const root = detectCgroupRoot();
const skip = root === null ? "no writable cgroup2 mount (needs root and cgroup v2)" : false;
const group = `test-${randomBytes(4).toString("hex")}`;
const marker = createMarker();

after(async () => {
  await killMarked(marker);
  if (root !== null) assert.ok(removeCgroup(join(root, "upkeep", group)), "test cgroups removed");
});

test("detectCgroupRoot finds the writable cgroup2 mount", { skip }, () => {
  assert.ok(root);
  assert.ok(existsSync(join(root, "cgroup.procs")) && existsSync(join(root, "cgroup.controllers")));
  assert.equal(readProcCgroup(process.pid), readProcCgroup("self"));
});

test(
  "createServiceCgroup makes <root>/upkeep/<group>/<service>, and paths convert both ways",
  { skip },
  () => {
    const path = createServiceCgroup(root!, group, "web@hostA");
    assert.equal(path, join(root!, "upkeep", group, "web@hostA"));
    assert.ok(existsSync(join(path, "cgroup.procs")));
    assert.equal(createServiceCgroup(root!, group, "web@hostA"), path, "again: no error");
    assert.equal(cgroupRecordPath(path), `/upkeep/${group}/web@hostA`);
    assert.equal(cgroupFsPath(`/upkeep/${group}/web@hostA`), path);
    assert.throws(
      () => createServiceCgroup(root!, group, "../escape"),
      (err) => err instanceof UpkeepError && err.code === "INTERNAL",
    );
  },
);

test(
  "runInCgroup starts the child and its forks inside the cgroup, and leaves it again",
  { skip },
  async () => {
    const path = createServiceCgroup(root!, group, "tree");
    const home = readProcCgroup("self");
    const { child, pids } = await startScript(
      `sleep ${marker} & echo sub $!; echo ready; exec sleep ${marker}`,
      {
        cgroup: path,
      },
    );
    assert.equal(readProcCgroup("self"), home, "upkeep is back in its own cgroup");
    assert.equal(readProcCgroup(child.pid!), cgroupRecordPath(path));
    assert.deepEqual(cgroupPids(path).sort(), [child.pid!, pids.get("sub")!].sort());
    assert.equal(isCgroupEmpty(path), false);
    assert.equal(removeCgroup(path), false, "EBUSY while populated");

    assert.deepEqual(killCgroup(path).sort(), [child.pid!, pids.get("sub")!].sort());
    await waitForExit(child);
    await waitFor(() => isCgroupEmpty(path), { what: "the cgroup to empty" });
    assert.ok(!isAlive(pids.get("sub")!));
    assert.deepEqual(cgroupPids(path), []);
    assert.equal(removeCgroup(path), true);
    assert.equal(removeCgroup(path), true, "ENOENT counts as removed");
    assert.equal(isCgroupEmpty(path), true);
  },
);

test(
  "runInCgroup still runs fn when the move fails, and says the child was not placed",
  { skip },
  async () => {
    const missing = join(root!, "upkeep", group, "never-created");
    const placement = runInCgroup(missing, () => spawn("sleep", [marker], { stdio: "ignore" }));
    try {
      assert.equal(placement.placed, false);
      assert.equal(placement.reason, "ENOENT");
      assert.ok(isAlive(placement.value.pid!), "fn ran");
      assert.equal(readProcCgroup(placement.value.pid!), readProcCgroup("self"));
      // The fallback: move the child after the spawn.
      const path = createServiceCgroup(root!, group, "late");
      assert.equal(placeInCgroup(path, placement.value.pid!), true);
      assert.equal(readProcCgroup(placement.value.pid!), cgroupRecordPath(path));
    } finally {
      placement.value.kill("SIGKILL");
      await waitForExit(placement.value);
    }
    assert.equal(
      placeInCgroup(createServiceCgroup(root!, group, "late"), placement.value.pid!),
      false,
      "gone",
    );
  },
);

test("killCgroup refuses a cgroup that holds upkeep itself", { skip }, () => {
  const path = createServiceCgroup(root!, group, "self");
  const { value, placed } = runInCgroup(path, () => {
    try {
      killCgroup(path);
      return "killed";
    } catch (err) {
      return err instanceof UpkeepError ? err.code : String(err);
    }
  });
  assert.equal(placed, true);
  assert.equal(value, "INTERNAL");
  assert.ok(isAlive(process.pid));
  assert.ok(removeCgroup(path));
});

test("moving upkeep in and out of a cgroup costs well under a millisecond each way", { skip }, (t) => {
  const path = createServiceCgroup(root!, group, "timing");
  const home = cgroupFsPath(readProcCgroup("self")!)!;
  runInCgroup(path, () => 0); // the first migration pays a one-time kernel set-up
  const inUs: number[] = [];
  const outUs: number[] = [];
  for (let i = 0; i < 50; i++) {
    const t0 = process.hrtime.bigint();
    placeInCgroup(path, process.pid);
    const t1 = process.hrtime.bigint();
    placeInCgroup(home, process.pid);
    const t2 = process.hrtime.bigint();
    inUs.push(Number(t1 - t0) / 1000);
    outUs.push(Number(t2 - t1) / 1000);
  }
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  t.diagnostic(
    `move in: median ${median(inUs).toFixed(0)} µs; move back: median ${median(outUs).toFixed(0)} µs`,
  );
  assert.equal(readProcCgroup("self"), cgroupRecordPath(home));
  assert.ok(median(inUs) < 1000 && median(outUs) < 1000);
  assert.ok(removeCgroup(path));
});

test("cgroupPids finds the processes of sub-cgroups a service made itself", { skip }, async () => {
  const path = createServiceCgroup(root!, group, "nested");
  const top = await startScript(`echo ready; exec sleep ${marker}`, { cgroup: path });
  const sub = join(path, "worker");
  mkdirSync(sub);
  const inner = await startScript(`echo ready; exec sleep ${marker}`, { cgroup: path });
  assert.ok(placeInCgroup(sub, inner.child.pid!), "moved into the sub-cgroup");
  assert.deepEqual(cgroupPids(path).sort(), [top.child.pid!, inner.child.pid!].sort());
  assert.deepEqual(cgroupPids(sub), [inner.child.pid!]);
  killCgroup(sub);
  killCgroup(path);
  await Promise.all([waitForExit(top.child), waitForExit(inner.child)]);
  await waitFor(() => isCgroupEmpty(path), { what: "the cgroup to empty" });
  assert.ok(removeCgroup(sub) && removeCgroup(path));
});
