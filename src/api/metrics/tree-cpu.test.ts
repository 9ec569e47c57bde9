import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { ProcStat } from "../../identity/proc-stat.js";
import { ProcTreeCpu, TreeCpuCounter } from "./tree-cpu.js";

/** A process as /proc would show it: own ticks in utime, reaped children's in cutime. */
function proc(pid: number, ppid: number, own: number, reaped = 0, startTime = pid): ProcStat {
  return {
    pid,
    ppid,
    comm: "x",
    state: "S",
    pgid: 1,
    sid: 1,
    utimeTicks: own,
    stimeTicks: 0,
    cutimeTicks: reaped,
    cstimeTicks: 0,
    startTime,
    rssPages: 0,
    vsizeBytes: 0,
  };
}

test("a child reaped by a member is counted once: its time moves into the parent's cutime", () => {
  const cpu = new ProcTreeCpu();
  assert.equal(cpu.advance([proc(10, 1, 5), proc(11, 10, 7)]), 12);
  // 11 ran 3 more ticks unseen, exited, and 10 reaped it: 10's cutime is 11's whole 10 ticks.
  assert.equal(cpu.advance([proc(10, 1, 6, 10)]), 1 + 3);
});

test("a process reaped outside the tree keeps what was counted; a new process counts in full", () => {
  const cpu = new ProcTreeCpu();
  assert.equal(cpu.advance([proc(10, 1, 5)]), 5);
  // The main process died (upkeep reaped it) and a new start runs: nothing is taken back.
  assert.equal(cpu.advance([proc(20, 1, 2)]), 2);
  // A reused PID with another start time is another process.
  assert.equal(cpu.advance([proc(20, 1, 1, 0, 999)]), 1);
});

test("the counter never goes down, whatever the tree does between readings", () => {
  const tree = fc.array(
    fc.record({
      pid: fc.integer({ min: 2, max: 8 }),
      ppid: fc.integer({ min: 1, max: 8 }),
      own: fc.nat(50),
      reaped: fc.nat(50),
    }),
    { maxLength: 6 },
  );
  fc.assert(
    fc.property(
      fc.array(fc.oneof(tree, fc.constant(null)), { maxLength: 12 }),
      fc.array(fc.nat(10 ** 9), { maxLength: 12 }),
      (trees, usecs) => {
        const counter = new TreeCpuCounter();
        let last = 0;
        trees.forEach((members, i) => {
          // Readings from a cgroup (null) and from /proc, mixed, as a service moving between them.
          if (members === null) counter.addCgroupReading(i % 2 ? "/a" : "/b", usecs[i] ?? 0);
          else
            counter.addProcReading(
              members.map((m) => proc(m.pid, m.ppid, m.own, m.reaped)),
              100,
            );
          assert.ok(counter.totalSeconds >= last, `${counter.totalSeconds} < ${last}`);
          assert.ok(Number.isFinite(counter.totalSeconds));
          last = counter.totalSeconds;
        });
      },
    ),
    { numRuns: 1000 },
  );
});

test("cgroup readings add their growth; a cgroup made anew counts from zero", () => {
  const counter = new TreeCpuCounter();
  counter.addCgroupReading("/cg", 2_000_000);
  counter.addCgroupReading("/cg", 2_500_000);
  assert.equal(counter.totalSeconds, 2.5);
  counter.addCgroupReading("/cg", 1_000_000); // removed and made again: 1 s is all new
  assert.equal(counter.totalSeconds, 3.5);
});
