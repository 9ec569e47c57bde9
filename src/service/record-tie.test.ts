import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { after, test } from "node:test";
import { readBootId } from "../identity/boot-id.js";
import { readProcStat } from "../identity/proc-stat.js";
import { waitForComm } from "../identity/test-fixtures.js";
import type { ProcessRecord } from "../store/store.js";
import { leftoverSelector, proveRecord, type StateDirScope } from "./record-tie.js";

const scope: StateDirScope = { stateId: "0123456789ab", cgroupBase: "/sys/fs/cgroup/upkeep/0123456789ab" };
const children: ChildProcess[] = [];
after(() => children.forEach((c) => c.kill("SIGKILL")));

function sleeper(env: Record<string, string>): number {
  const child = spawn("sleep", ["100"], { stdio: "ignore", env: { ...process.env, ...env } });
  children.push(child);
  return child.pid!;
}

function recordOf(pid: number, fields: Partial<ProcessRecord> = {}): ProcessRecord {
  return {
    hostId: "h",
    service: "web",
    pid,
    startTime: readProcStat(pid)!.startTime,
    bootId: readBootId(),
    argv: ["sleep"],
    pgid: pid,
    runId: randomUUID(),
    cgroup: null,
    startedAt: 0,
    shape: null,
    ...fields,
  };
}

test("a cgroup path outside the service's own in this state dir's subtree selects nothing", () => {
  const base = scope.cgroupBase!;
  for (const forged of [
    "/sys/fs/cgroup/system.slice",
    `${base}/db`,
    `${base}/web/../../x`,
    `${base}`,
    `${base}web`,
  ]) {
    assert.equal(leftoverSelector(recordOf(process.pid, { cgroup: forged }), scope).cgroup, null, forged);
  }
  assert.equal(
    leftoverSelector(recordOf(process.pid, { cgroup: `${base}/web` }), scope).cgroup,
    `${base}/web`,
  );
  const holder = recordOf(process.pid, { service: ".fifo-holder", cgroup: `${base}/.fifo-holder` });
  assert.equal(leftoverSelector(holder, scope).cgroup, null, "the FIFO holder's cgroup is no service's");
});

test("a leftover found by run id must also carry this state dir's id and the service's name", () => {
  const sel = leftoverSelector(recordOf(process.pid), scope);
  assert.equal(sel.pid, 0, "never the recorded PID");
  assert.equal(sel.pgid, 0);
  assert.deepEqual(sel.alsoCarries, ["UPKEEP_STATE_ID=0123456789ab", "UPKEEP_SERVICE=web"]);
});

test("a live process without this state dir's marks is not tied; one with them is, and a forged run id is dropped", async () => {
  const stranger = sleeper({ UPKEEP_SERVICE: "web" });
  const other = sleeper({ UPKEEP_STATE_ID: "ffffffffffff", UPKEEP_SERVICE: "web" });
  const runId = randomUUID();
  const ours = sleeper({ UPKEEP_STATE_ID: scope.stateId, UPKEEP_SERVICE: "web", UPKEEP_RUN_ID: runId });
  await waitForComm([stranger, other, ours], "sleep"); // their environ is set by exec
  assert.equal(proveRecord(recordOf(stranger), null, scope).tied, false);
  assert.equal(proveRecord(recordOf(other), null, scope).tied, false);
  assert.equal(proveRecord(recordOf(ours, { service: "db" }), null, scope).tied, false, "another service's");
  const kept = proveRecord(recordOf(ours, { runId }), null, scope);
  assert.ok(kept.tied);
  assert.equal(kept.record.runId, runId, "a run id the process carries is kept");
  const forged = proveRecord(recordOf(ours, { cgroup: "/sys/fs/cgroup/system.slice", pgid: 1 }), null, scope);
  assert.ok(forged.tied);
  assert.notEqual(forged.record.runId, runId);
  assert.equal(forged.record.cgroup, null);
  assert.equal(forged.record.pgid, 0);
});
