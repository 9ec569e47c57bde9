import assert from "node:assert/strict";
import { test } from "node:test";
import {
  parseCpuLine,
  parseKeyedCounters,
  parseLoadavg,
  parseMeminfo,
  vmstatBetween,
  type HostCounters,
} from "./proc-counters.js";
import { takeHostSnapshot } from "./host-snapshot.js";

test("loadavg, meminfo and the keyed counters of /proc/stat and /proc/vmstat parse as the kernel writes them", () => {
  assert.deepEqual(parseLoadavg("4.73 3.99 2.24 1/1141 14242\n"), [4.73, 3.99, 2.24]);
  const mem = parseMeminfo(
    "MemTotal:       1000 kB\nMemFree:  200 kB\nMemAvailable: 600 kB\nSwapTotal: 0 kB\n",
  );
  assert.equal(mem.totalBytes, 1000 * 1024);
  assert.equal(mem.availableBytes, 600 * 1024);
  assert.equal(mem.swapFreeBytes, 0);
  const stat = "cpu  10 0 5 80 5 0 0 0 0 0\nintr 8208898 0 0 1\nctxt 23362994\nprocs_running 3\n";
  assert.equal(parseKeyedCounters(stat).get("intr"), 8208898);
  assert.equal(parseKeyedCounters(stat).get("procs_running"), 3);
  assert.deepEqual(parseCpuLine(stat), [10, 0, 5, 80, 5, 0, 0, 0, 0, 0]);
});

test("vmstat figures are rates per second between two readings, CPU in % of all cores", () => {
  const base: HostCounters = {
    at: 0,
    load: [0, 0, 0],
    memory: parseMeminfo(""),
    running: 1,
    blocked: 0,
    ctxt: 1000,
    intr: 500,
    pswpin: 0,
    pswpout: 0,
    pgfault: 100,
    pgmajfault: 0,
    cpuTicks: [100, 0, 50, 800, 50, 0, 0, 0],
  };
  const later = {
    ...base,
    at: 500,
    running: 4,
    ctxt: 2000,
    pgfault: 600,
    cpuTicks: [150, 0, 75, 850, 75, 0, 0, 0],
  };
  const v = vmstatBetween(base, later);
  assert.equal(v.running, 4);
  assert.equal(v.contextSwitchesPerSec, 2000);
  assert.equal(v.pageFaultsPerSec, 1000);
  assert.deepEqual(v.cpu, { user: 33.3, system: 16.7, idle: 33.3, iowait: 16.7, steal: 0 });
});

test("a host snapshot of this machine has load, memory, top processes and its cost", async () => {
  const snapshot = await takeHostSnapshot({ intervalMs: 20, utmpFile: "/nonexistent/utmp" });
  assert.ok(snapshot.memory.totalBytes > 0);
  const rss = snapshot.topMemory.map((p) => p.rssBytes);
  assert.deepEqual(
    rss,
    [...rss].sort((a, b) => b - a),
    "largest first",
  );
  assert.ok(snapshot.topCpu.length > 0 && snapshot.topCpu.length <= 10);
  assert.ok(snapshot.processesScanned > 0);
  assert.ok(snapshot.notes.some((n) => n.includes("/nonexistent/utmp absent")));
  assert.ok(snapshot.tookMs >= 20);
});

test("the snapshot reads at most maxScanned processes and says so", async () => {
  const snapshot = await takeHostSnapshot({ intervalMs: 1, maxScanned: 3 });
  assert.ok(snapshot.processesScanned <= 3);
  assert.equal(snapshot.scanCapped, true);
  assert.ok(snapshot.notes.some((n) => n.startsWith("more than 3 processes")));
});
