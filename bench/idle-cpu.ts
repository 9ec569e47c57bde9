/**
 * Measure 3: the daemon's CPU time (utime + stime of /proc/PID/stat) over an idle window with
 * a fleet running and no client connected, scaled to seconds per minute.
 */
import type { Fleet } from "./cold-start.js";
import { readCpuSeconds, sleep } from "./proc-usage.js";
import type { Row } from "./report.js";

const TARGET_PER_MINUTE = 0.05;

/** The table row of a fleet's idle CPU use over `seconds` of idling. */
export async function measureIdleCpu(fleet: Fleet, seconds: number): Promise<Row> {
  const pid = fleet.bench.pid;
  // Two halves: V8 tidies its heap for a while after a burst of work (the cold start), so the
  // first half shows that tail and the second what a long-idle daemon costs.
  const start = readCpuSeconds(pid);
  await sleep((seconds * 1000) / 2);
  const middle = readCpuSeconds(pid);
  await sleep((seconds * 1000) / 2);
  const used = readCpuSeconds(pid) - start;
  const perMinute = (used * 60) / seconds;
  const halves = `${(middle - start).toFixed(2)} s + ${(start + used - middle).toFixed(2)} s`;
  const window = seconds === 60 ? "" : `, scaled from ${seconds} s`;
  return {
    measure: `daemon CPU while idle, ${fleet.services} services (from 2 s after start-up)`,
    result: `${perMinute.toFixed(3)} s per minute (halves: ${halves}${window})`,
    target: `≤ ${TARGET_PER_MINUTE} s per minute`,
    met: perMinute <= TARGET_PER_MINUTE,
    peer: "",
    order: 3,
  };
}
