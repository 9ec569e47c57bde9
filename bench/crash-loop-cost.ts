/**
 * Measure 1b: what a restart costs the daemon. A service that exits at once (`/bin/true`)
 * with no backoff and a start-limit burst it never reaches (the default 60 s interval, so the
 * limit's bookkeeping is at its largest) restarts as fast as the daemon can go. Over
 * BENCH_CRASH_SECONDS (default 20, from 2 s after start-up) the daemon's CPU (utime + stime
 * of /proc/PID/stat) is divided by the restarts it made, in four windows, to show the spread
 * and any growth. The store's files (state.db + state.db-wal) are measured at the end.
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import { BenchDaemon } from "./bench-daemon.js";
import { readCpuSeconds, sleep } from "./proc-usage.js";
import { formatMiB, median, type Row } from "./report.js";

const SERVICE = "crasher";
const TARGET_MS = 1;
const WINDOWS = 4;

const CONFIG = `  ${SERVICE}:
    command: [/bin/true]
    backoff: { initial: 0ms, jitter: 0 }
    start_limit: { burst: 1000000000 }
`;

export async function measureCrashLoopCost(): Promise<Row[]> {
  const seconds = Number(process.env["BENCH_CRASH_SECONDS"] ?? 20);
  const bench = new BenchDaemon("crash-loop", CONFIG);
  try {
    await bench.start();
    await sleep(2000);
    const restarts = async (): Promise<number> =>
      Number((await bench.api("GET", "/api/v1/status")).json.services[0].restarts);
    const perWindow: number[] = [];
    let cpu = readCpuSeconds(bench.pid);
    let count = await restarts();
    let totalCpu = 0;
    let totalRestarts = 0;
    for (let i = 0; i < WINDOWS; i++) {
      await sleep((seconds * 1000) / WINDOWS);
      const cpuNow = readCpuSeconds(bench.pid);
      const countNow = await restarts();
      perWindow.push(((cpuNow - cpu) * 1000) / Math.max(1, countNow - count));
      totalCpu += cpuNow - cpu;
      totalRestarts += countNow - count;
      cpu = cpuNow;
      count = countNow;
    }
    const store = fileSize(join(bench.stateDir, "state.db")) + fileSize(join(bench.stateDir, "state.db-wal"));
    const perRestart = (totalCpu * 1000) / Math.max(1, totalRestarts);
    const windows = perWindow.map((ms) => ms.toFixed(2)).join(", ");
    return [
      {
        measure: `daemon CPU per restart (crash loop of /bin/true, backoff 0, ${seconds} s)`,
        result: `${perRestart.toFixed(2)} ms (${totalRestarts} restarts, ${totalCpu.toFixed(2)} s CPU; windows: ${windows}; median ${median(perWindow).toFixed(2)})`,
        target: `≤ ${TARGET_MS} ms`,
        met: perRestart <= TARGET_MS,
        peer: "",
        order: 1,
      },
      {
        measure: "  store after the crash loop (state.db + state.db-wal)",
        result: formatMiB(store),
        target: "",
        met: null,
        peer: "",
        order: 1,
      },
    ];
  } finally {
    await bench.teardown();
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch (err) {
    // No WAL file at this moment: nothing waits to be checkpointed.
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw err;
  }
}
