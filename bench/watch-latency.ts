/**
 * Watching processes that are not our children (src/identity/watch.ts), measured in the bench
 * process itself: an IdentityWatcher is all the daemon runs for such a process, so no daemon is
 * needed. Two figures, each through pidfds and, as a diagnostic, on the timer path (250 ms):
 *  - kill → onGone: SIGKILL one of a batch of watched orphans (started by a `sh` that exits at
 *    once, so init adopts them) at a random phase of the timer, and time, from right before
 *    the kill, the watcher's callback;
 *  - CPU: the bench process's utime + stime (process.cpuUsage) over a window with 200 idle
 *    orphans watched, next to the same window with nothing watched.
 * The orphans are killed at the end, also after an error or Ctrl-C (run.ts then exits, and the
 * exit handler below kills what is left).
 */
import { spawn } from "node:child_process";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { native } from "../src/core/native.js";
import { captureIdentity } from "../src/identity/process-identity.js";
import { IdentityWatcher, type GoneReason } from "../src/identity/watch.js";
import { sleep } from "./proc-usage.js";
import { formatMs, percentile, progress, type Row } from "./report.js";

const KILLS = 60;
const IDLE_PROCESSES = 200;
/** Seconds of each CPU window (BENCH_WATCH_SECONDS, default 10). */
const CPU_SECONDS = Number(process.env["BENCH_WATCH_SECONDS"] ?? 10);
const TIMER_INTERVAL_MS = 250;
const ORDER = 7;

/** PIDs of orphans still alive, for the exit handler. */
const orphans = new Set<number>();
process.on("exit", () => killOrphans([...orphans]));

/** All rows of the watch measures. */
export async function measureWatchLatency(): Promise<Row[]> {
  const paths = native === null ? [false] : [true, false];
  const rows: Row[] = [];
  for (const pidfd of paths) {
    const label = pidfd ? "pidfd" : `timer path, ${TIMER_INTERVAL_MS} ms (diagnostic)`;
    progress(`  ${KILLS} SIGKILLs, ${label}`);
    const latencies = await sampleDeaths(pidfd);
    rows.push(
      row(`non-child death noticed p50/p95 (${KILLS} SIGKILLs, kill → onGone), ${label}`, p5095(latencies)),
    );
  }
  progress(`  ${CPU_SECONDS} s with nothing watched (the bench process's own idle cost)`);
  const baseline = await cpuOver(CPU_SECONDS);
  for (const pidfd of paths) {
    const label = pidfd ? "pidfd" : `timer path, ${TIMER_INTERVAL_MS} ms (diagnostic)`;
    progress(`  ${CPU_SECONDS} s with ${IDLE_PROCESSES} idle processes watched, ${label}`);
    const used = await cpuWatching(pidfd);
    rows.push(
      row(
        `watcher CPU, ${IDLE_PROCESSES} watched idle processes over ${CPU_SECONDS} s, ${label}`,
        `${formatMs(used)} (${perMinute(used)}); nothing watched: ${formatMs(baseline)}`,
      ),
    );
  }
  if (native === null) rows.push(row("  pidfd path", "not measured: the native addon is not loaded"));
  return rows;
}

/** kill → onGone in ms, for KILLS orphans watched together. */
async function sampleDeaths(pidfd: boolean): Promise<number[]> {
  const pids = await startOrphans(KILLS);
  const watcher = new IdentityWatcher({ intervalMs: TIMER_INTERVAL_MS, pidfd });
  const told = new Map<number, (why: GoneReason) => void>();
  try {
    for (const pid of pids) watcher.watch(identityOf(pid), (why) => told.get(pid)?.(why));
    if (pidfd && watcher.pollingCount !== 0) {
      throw new Error(`${watcher.pollingCount} of ${pids.length} processes fell back to the timer`);
    }
    const latencies: number[] = [];
    for (const pid of pids) {
      // A pause at a random phase of the timer: right after a report the next tick is a whole
      // interval away, and kills made then would all measure the worst case.
      await sleep(Math.random() * TIMER_INTERVAL_MS);
      const gone = new Promise<GoneReason>((resolve) => told.set(pid, resolve));
      const t0 = performance.now();
      process.kill(pid, "SIGKILL");
      // The timer is unref()ed and so are the polls: only this guard keeps the loop alive.
      const why = await withDeadline(gone, 5000, `the death of PID ${pid}`);
      latencies.push(performance.now() - t0);
      orphans.delete(pid);
      if (why !== "gone") throw new Error(`PID ${pid} reported as ${why}, not gone`);
    }
    return latencies;
  } finally {
    watcher.close();
    killOrphans(pids);
  }
}

/** CPU ms the bench process used over the window with IDLE_PROCESSES orphans watched. */
async function cpuWatching(pidfd: boolean): Promise<number> {
  const pids = await startOrphans(IDLE_PROCESSES);
  const watcher = new IdentityWatcher({ intervalMs: TIMER_INTERVAL_MS, pidfd });
  try {
    for (const pid of pids)
      watcher.watch(identityOf(pid), (why) => progress(`  PID ${pid} ${why} while idle`));
    return await cpuOver(CPU_SECONDS);
  } finally {
    watcher.close();
    killOrphans(pids);
  }
}

/** CPU ms (user + system) of this process over `seconds`. */
async function cpuOver(seconds: number): Promise<number> {
  const start = process.cpuUsage();
  await sleep(seconds * 1000); // the window itself: nothing to wait for
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** `count` sleeps whose parent, a `sh` in its own session, has exited: they are not our children. */
async function startOrphans(count: number): Promise<number[]> {
  const script = `i=0; while [ $i -lt ${count} ]; do sleep 600 >/dev/null & echo $!; i=$((i+1)); done`;
  const sh = spawn("sh", ["-c", script], { detached: true, stdio: ["ignore", "pipe", "inherit"] });
  const pids: number[] = [];
  const exited = new Promise<number | null>((resolve) => sh.once("exit", resolve));
  for await (const line of createInterface({ input: sh.stdout })) {
    const pid = Number(line);
    pids.push(pid);
    orphans.add(pid);
  }
  const code = await exited;
  if (code !== 0 || pids.length !== count) {
    killOrphans(pids);
    throw new Error(`starting ${count} orphans: sh exited with ${code} after ${pids.length}`);
  }
  return pids;
}

function identityOf(pid: number): NonNullable<ReturnType<typeof captureIdentity>> {
  const id = captureIdentity(pid);
  if (id === null) throw new Error(`orphan PID ${pid} died before it was watched`);
  return id;
}

function killOrphans(pids: readonly number[]): void {
  for (const pid of pids) {
    if (!orphans.delete(pid)) continue;
    try {
      process.kill(pid, "SIGKILL");
    } catch (err) {
      // ESRCH: already gone, as wanted; anything else would be a bench bug worth seeing.
      if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
    }
  }
}

async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} not noticed within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function p5095(values: readonly number[]): string {
  return `${formatMs(percentile(values, 0.5))} / ${formatMs(percentile(values, 0.95))}`;
}

function perMinute(cpuMs: number): string {
  return `${((cpuMs * 60) / CPU_SECONDS / 1000).toFixed(4)} s per minute`;
}

function row(measure: string, result: string): Row {
  return { measure, result, target: "", met: null, peer: "", order: ORDER };
}
