/**
 * Measure: what incidents cost (docs/incidents.md, "Costs"). (1) The host snapshot taken here,
 * in the bench process: its wall time (two /proc readings 250 ms apart), the CPU it uses, and
 * the longest the event loop waited meanwhile (the reads go through libuv's threadpool). (2)
 * Restart latency, kill → spawn event, with incidents on and off (`incidents: false`), in pairs:
 * a kill that records an incident, then 250 ms later a second kill while that incident's
 * snapshot is still being taken, then a pause longer than the recorder's one-per-second gap.
 */
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { takeHostSnapshot } from "../src/host/host-snapshot.js";
import { BenchDaemon } from "./bench-daemon.js";
import { EventStream } from "./event-stream.js";
import { sleep } from "./proc-usage.js";
import { errorRow, formatMs, percentile, type Row } from "./report.js";

const SERVICE = "victim";
const CONFIG = `  ${SERVICE}:
    command: [sleep, "1000"]
    backoff: { initial: 0ms, jitter: 0 }
    start_limit: { burst: 1000000, interval: 1s }
`;
const SNAPSHOTS = 10;
const PAIRS = 30;
/** The second kill of a pair: while the first one's snapshot runs (it starts 100 ms after the death). */
const DURING_SNAPSHOT_MS = 250;
/** Between pairs: past the recorder's one incident per service per second. */
const BETWEEN_PAIRS_MS = 1300;
const ORDER = 1;

interface PairSamples {
  first: number[];
  during: number[];
  incidents: number;
}

export async function measureIncidentCost(): Promise<Row[]> {
  const rows: Row[] = [];
  rows.push(...(await measureSnapshot().catch((err: unknown) => [errorRow("host snapshot", err, ORDER)])));
  const on = await samplePairs(true).catch((err: unknown) => err as Error);
  const off = await samplePairs(false).catch((err: unknown) => err as Error);
  for (const [label, result] of [
    ["on", on],
    ["off", off],
  ] as const) {
    if (result instanceof Error) {
      rows.push(errorRow(`restart latency, incidents ${label}`, result, ORDER));
      continue;
    }
    const p = (values: number[]): string =>
      `${formatMs(percentile(values, 0.5))} / ${formatMs(percentile(values, 0.95))}`;
    const recorded = label === "on" ? `, ${result.incidents} incidents recorded` : "";
    rows.push(
      info(
        `restart latency, incidents ${label}: kill → spawn p50/p95 (${PAIRS} kills${recorded})`,
        p(result.first),
      ),
    );
    rows.push(info(`  same, killed again while the snapshot runs (incidents ${label})`, p(result.during)));
  }
  return rows;
}

/** Snapshots taken in this process: wall time, CPU time, and the event loop's longest wait. */
async function measureSnapshot(): Promise<Row[]> {
  const wall: number[] = [];
  const cpu: number[] = [];
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  let scanned = 0;
  for (let i = 0; i < SNAPSHOTS; i++) {
    const before = process.cpuUsage();
    const snapshot = await takeHostSnapshot();
    const used = process.cpuUsage(before);
    wall.push(snapshot.tookMs);
    cpu.push((used.user + used.system) / 1000);
    scanned = snapshot.processesScanned;
  }
  delay.disable();
  // The same wait with no snapshot running: on a loaded host the scheduler alone makes some.
  const baseline = monitorEventLoopDelay({ resolution: 1 });
  baseline.enable();
  await sleep(wall.reduce((a, b) => a + b, 0));
  baseline.disable();
  return [
    info(
      `host snapshot wall time p50/p95 (${scanned} processes, 2 readings 250 ms apart)`,
      `${formatMs(percentile(wall, 0.5))} / ${formatMs(percentile(wall, 0.95))}`,
    ),
    info("  CPU time per snapshot p50 (event loop + threadpool)", formatMs(percentile(cpu, 0.5))),
    info(
      "  longest event-loop wait during snapshots / as long with none",
      `${formatMs(delay.max / 1e6)} / ${formatMs(baseline.max / 1e6)}`,
    ),
  ];
}

async function samplePairs(incidents: boolean): Promise<PairSamples> {
  const bench = new BenchDaemon("incidents", CONFIG, incidents ? {} : { topLevel: "incidents: false" });
  try {
    await bench.start();
    const stream = await EventStream.open(bench.socketPath, 1);
    try {
      let pid = (await bench.api("GET", "/api/v1/status")).json.services[0].pid as number;
      const kill = async (): Promise<number> => {
        const spawned = stream.next((e) => e.kind === "spawn" && e.service === SERVICE, "the spawn event");
        const running = stream.next((e) => e.kind === "state" && e.to === "running", "the running state");
        const t0 = performance.now();
        process.kill(pid, "SIGKILL");
        const [spawn] = await Promise.all([spawned, running]);
        pid = Number((spawn.event.details as { pid: number }).pid);
        return spawn.at - t0;
      };
      const samples: PairSamples = { first: [], during: [], incidents: 0 };
      await sleep(BETWEEN_PAIRS_MS);
      for (let i = 0; i < PAIRS; i++) {
        samples.first.push(await kill());
        await sleep(DURING_SNAPSHOT_MS);
        samples.during.push(await kill());
        await sleep(BETWEEN_PAIRS_MS);
      }
      samples.incidents = (await bench.api("GET", "/api/v1/incidents?n=1000")).json.incidents.length;
      return samples;
    } finally {
      stream.close();
    }
  } finally {
    await bench.teardown();
  }
}

function info(measure: string, result: string): Row {
  return { measure, result, target: "", met: null, peer: "", order: ORDER };
}
