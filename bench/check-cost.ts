/**
 * The cost of `upkeep check` with 200 services, as a monitoring system runs it every 10 s:
 * the CLI's wall time and CPU (its own process, from getrusage of the child) plus the daemon's
 * CPU per check, daemon up. Then the same with the daemon down (the CLI reads the config, the
 * store and /proc itself). Target: one check's CPU (CLI + daemon) at most 200 ms, i.e. 2% of
 * one core at one check every 10 s (a bare `node -e 0` costs about 100 ms of it).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { CLI } from "./bench-daemon.js";
import type { Fleet } from "./cold-start.js";
import { readCpuSeconds } from "./proc-usage.js";
import { formatMs, median, type Row } from "./report.js";

const RUNS = 10;
const TARGET_CPU_MS = 200;

interface CheckRun {
  wallMs: number;
  code: number;
  firstLine: string;
}

/** One `upkeep check` run, timed. */
function runCheck(configFile: string): CheckRun {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI, "--config", configFile, "check"], { encoding: "utf8" });
  return {
    wallMs: performance.now() - t0,
    code: r.status ?? -1,
    firstLine: r.stdout.split("\n", 1)[0] ?? "",
  };
}

/**
 * CPU milliseconds of this process's reaped children so far: spawnSync reaps the CLI, so its
 * CPU lands in cutime + cstime (/proc/self/stat fields 16 and 17, 100 ticks per second).
 */
function childrenCpuMs(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

function measureRuns(
  configFile: string,
  daemonPid: number | null,
  expectCode: number,
): { wall: number; cli: number; daemon: number; line: string } {
  const walls: number[] = [];
  const clis: number[] = [];
  const daemons: number[] = [];
  let line = "";
  for (let i = 0; i < RUNS + 1; i++) {
    const daemonBefore = daemonPid === null ? 0 : readCpuSeconds(daemonPid);
    const childBefore = childrenCpuMs();
    const run = runCheck(configFile);
    if (run.code !== expectCode)
      throw new Error(`check exited ${run.code}, expected ${expectCode}: ${run.firstLine}`);
    line = run.firstLine;
    if (i === 0) continue; // warm-up
    walls.push(run.wallMs);
    clis.push(childrenCpuMs() - childBefore);
    daemons.push(daemonPid === null ? 0 : (readCpuSeconds(daemonPid) - daemonBefore) * 1000);
  }
  return { wall: median(walls), cli: median(clis), daemon: median(daemons), line };
}

/** Rows for the check's cost, daemon up; `down` runs after the daemon is stopped. */
export function measureCheckCost(fleet: Fleet): Row[] {
  const up = measureRuns(fleet.bench.configFile, fleet.bench.pid, 0);
  const cpu = up.cli + up.daemon;
  return [
    {
      measure: `check, ${fleet.services} services, daemon up (median of ${RUNS})`,
      result: `${formatMs(up.wall)} wall; CPU ${formatMs(up.cli)} CLI + ${formatMs(up.daemon)} daemon`,
      target: `CPU ≤ ${TARGET_CPU_MS} ms`,
      met: cpu <= TARGET_CPU_MS,
      peer: "",
      order: 7,
    },
  ];
}

/** The check with the daemon down: CRITICAL by definition; its cost is the CLI's alone. */
export function measureCheckCostDown(fleet: Fleet): Row[] {
  const down = measureRuns(fleet.bench.configFile, null, 2);
  return [
    {
      measure: `check, ${fleet.services} services, daemon down (median of ${RUNS})`,
      result: `${formatMs(down.wall)} wall; CPU ${formatMs(down.cli)}`,
      target: `CPU ≤ ${TARGET_CPU_MS} ms`,
      met: down.cli <= TARGET_CPU_MS,
      peer: "",
      order: 7,
    },
  ];
}
