import assert from "node:assert/strict";
import { test } from "node:test";
import { CLOCK_TICKS, PAGE_SIZE, type ProcStat } from "../identity/proc-stat.js";
import { MAX_SAMPLE_PROCESSES } from "../store/incident-record.js";
import { LastSamples } from "./last-samples.js";

function stat(pid: number, ppid: number, ticks: number, rssPages = 10, state = "S"): ProcStat {
  const s = {
    pid,
    comm: `p${pid}`,
    state,
    ppid,
    pgid: 1,
    sid: 1,
    utimeTicks: ticks,
    stimeTicks: 0,
    cutimeTicks: 0,
    cstimeTicks: 0,
  };
  return { ...s, startTime: pid, rssPages, vsizeBytes: 0 };
}

test("the last sample of the current run: main process first, CPU between the two last readings, ports", () => {
  const samples = new LastSamples();
  samples.note("web", 10, "tree", [stat(11, 10, 0), stat(10, 1, 0)], {}, 1000);
  const ports = new Map([[10, [8080]]]);
  samples.note("web", 10, "tree", [stat(11, 10, CLOCK_TICKS / 2), stat(10, 1, CLOCK_TICKS)], { ports }, 2000);
  const sample = samples.lastOf("web", 10);
  assert.ok(sample);
  assert.equal(sample.at, 2000);
  assert.deepEqual(
    sample.processes.map((p) => [p.pid, p.cpuPercent, p.ports]),
    [
      [10, 100, [8080]],
      [11, 50, []],
    ],
  );
  assert.equal(sample.cpuPercent, 150);
  assert.equal(sample.rssBytes, 20 * PAGE_SIZE);
  assert.equal(samples.lastOf("web", 99), null, "never a sample of another run");
  assert.equal(samples.lastOf("db", 10), null);
});

test("a new run starts without CPU figures; zombies and processes beyond the cap are left out", () => {
  const samples = new LastSamples();
  samples.note("web", 10, "limits", [stat(10, 1, 50)], { cpuPercent: 12.5 }, 1000);
  const many = Array.from({ length: MAX_SAMPLE_PROCESSES + 5 }, (_, i) => stat(100 + i, 20, 0));
  samples.note("web", 20, "status", [stat(20, 1, 0), stat(21, 20, 0, 0, "Z"), ...many], {}, 2000);
  const sample = samples.lastOf("web", 20);
  assert.ok(sample);
  assert.equal(sample.processes[0]?.cpuPercent, null);
  assert.ok(!sample.processes.some((p) => p.pid === 21));
  assert.equal(sample.processes.length, MAX_SAMPLE_PROCESSES);
  assert.equal(sample.omitted, 6);
  assert.equal(sample.cpuPercent, null);
});
