/**
 * Measure 1: restart latency. SIGKILL a tiny service and time, from right before the kill, the
 * arrival of the daemon's `spawn` event for the new process (the new PID exists and the daemon
 * has said so). Also timed, for the breakdown: the `exit` event (the daemon noticed the death)
 * and the new PID file (seen through inotify, not by polling, so the bench never competes with
 * the daemon for the two cores).
 */
import { watch, readFileSync, type FSWatcher } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { BenchDaemon } from "./bench-daemon.js";
import { EventStream } from "./event-stream.js";
import { sleep } from "./proc-usage.js";
import { errorRow, formatMs, percentile, type Row } from "./report.js";

const SERVICE = "victim";
const WARMUP_KILLS = 10;
/** Pause after each restart so the next kill finds an idle daemon (not one still persisting). */
const SETTLE_MS = 10;

const CONFIG = `  ${SERVICE}:
    command: [sleep, "1000"]
    backoff: { initial: 0ms, jitter: 0 }
    start_limit: { burst: 1000000, interval: 1s }
`;

export interface Sample {
  exitMs: number;
  pidFileMs: number;
  spawnMs: number;
}

/**
 * Kill the service `kills` times (after a short warm-up) and report p50/p95 per stage; then
 * again with the daemon's cgroup placement off, as a diagnostic of what placement costs.
 */
export async function measureRestartLatency(kills: number): Promise<Row[]> {
  const withCgroups = await sampleRestarts(kills, true);
  const withoutCgroups = await sampleRestarts(kills, false).catch((err: unknown) => err as Error);
  const rows = rowsOf(withCgroups);
  if (withoutCgroups instanceof Error) {
    rows.push(errorRow("  same, cgroup placement off", withoutCgroups, 1));
  } else {
    const spawn = withoutCgroups.map((s) => s.spawnMs);
    rows.push({
      measure: "  same, cgroup placement off (diagnostic) p50/p95",
      result: `${formatMs(percentile(spawn, 0.5))} / ${formatMs(percentile(spawn, 0.95))}`,
      target: "",
      met: null,
      peer: "",
      order: 1,
    });
  }
  return rows;
}

/** `extraYaml`: top-level keys after `services:` (the notify bench adds `notify:`). */
export async function sampleRestarts(kills: number, cgroups: boolean, extraYaml = ""): Promise<Sample[]> {
  const bench = new BenchDaemon("restart", CONFIG + extraYaml, { cgroups });
  try {
    await bench.start();
    // n=1: the snapshot's one event (the service running) is not waited for by anyone.
    const stream = await EventStream.open(bench.socketPath, 1);
    const pidFiles = new PidFileWatcher(join(bench.stateDir, "pids"), SERVICE);
    try {
      let pid = (await bench.api("GET", "/api/v1/status")).json.services[0].pid as number;
      const samples: Sample[] = [];
      for (let i = 0; i < WARMUP_KILLS + kills; i++) {
        const exited = stream.next((e) => e.kind === "exit" && e.service === SERVICE, "the exit event");
        const spawned = stream.next((e) => e.kind === "spawn" && e.service === SERVICE, "the spawn event");
        const running = stream.next((e) => e.kind === "state" && e.to === "running", "the running state");
        const pidFile = pidFiles.nextOtherThan(pid);
        const t0 = performance.now();
        process.kill(pid, "SIGKILL");
        const [exit, spawn, , pidFileAt] = await Promise.all([exited, spawned, running, pidFile]);
        pid = Number((spawn.event.details as { pid: number }).pid);
        if (i >= WARMUP_KILLS) {
          samples.push({ exitMs: exit.at - t0, spawnMs: spawn.at - t0, pidFileMs: pidFileAt - t0 });
        }
        await sleep(SETTLE_MS);
      }
      return samples;
    } finally {
      pidFiles.close();
      stream.close();
    }
  } finally {
    await bench.teardown();
  }
}

function rowsOf(samples: Sample[]): Row[] {
  const spawn = samples.map((s) => s.spawnMs);
  const p50 = percentile(spawn, 0.5);
  const p95 = percentile(spawn, 0.95);
  const stage = (pick: (s: Sample) => number): string =>
    `${formatMs(percentile(samples.map(pick), 0.5))} / ${formatMs(percentile(samples.map(pick), 0.95))}`;
  const peer = "runit ≈5 ms, PM2 ≈10 ms, supervisord ≈1 s";
  const row = (measure: string, result: string): Row => ({
    measure,
    result,
    target: "",
    met: null,
    peer: "",
    order: 1,
  });
  return [
    {
      measure: `restart latency p50 (${samples.length} SIGKILLs, kill → spawn event)`,
      result: formatMs(p50),
      target: "≤ 5 ms",
      met: p50 <= 5,
      peer,
      order: 1,
    },
    {
      measure: "restart latency p95",
      result: formatMs(p95),
      target: "≤ 10 ms",
      met: p95 <= 10,
      peer,
      order: 1,
    },
    row(
      "  kill → exit event p50/p95",
      stage((s) => s.exitMs),
    ),
    row(
      "  kill → new PID file p50/p95",
      stage((s) => s.pidFileMs),
    ),
  ];
}

/** Sees `<pids>/NAME.pid` change through inotify (the daemon writes it by rename). */
class PidFileWatcher {
  private readonly watcher: FSWatcher;
  private waiter: { oldPid: number; resolve: (at: number) => void } | null = null;

  constructor(
    private readonly dir: string,
    private readonly service: string,
  ) {
    this.watcher = watch(dir, (_type, file) => {
      if (file === `${service}.pid`) this.check(performance.now());
    });
  }

  /** performance.now() of the first moment the PID file names a PID other than `oldPid`. */
  nextOtherThan(oldPid: number): Promise<number> {
    return new Promise((resolve) => (this.waiter = { oldPid, resolve }));
  }

  close(): void {
    this.watcher.close();
  }

  private check(at: number): void {
    if (!this.waiter) return;
    let text: string;
    try {
      text = readFileSync(join(this.dir, `${this.service}.pid`), "utf8");
    } catch (err) {
      // ENOENT: the daemon removed the old file (the process died); the new one comes next.
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
      throw err;
    }
    if (text !== "" && Number(text) !== this.waiter.oldPid) {
      this.waiter.resolve(at);
      this.waiter = null;
    }
  }
}
