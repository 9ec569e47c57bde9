/**
 * Measure 11: the event stream's fan-out to 10 open dashboards during a crash loop, with one
 * more follower that never reads (a paused tab). The crash loop of measure 1b (`/bin/true`,
 * backoff 0) runs alone for half of BENCH_FANOUT_SECONDS (default 20), for the daemon's CPU per
 * restart without followers; then 10 followers (`events?follow=1`, each parsing every event
 * as a dashboard does) and the paused one connect, and for BENCH_FANOUT_SECONDS the bench
 * reads the daemon's RSS every 250 ms. Reported: the delay from an event's own timestamp to
 * its arrival at each follower (p50 / p95, 1 ms resolution), whether every follower got every
 * event, the daemon's CPU per restart with and without followers, its RSS before and at peak,
 * and whether the paused follower was cut off (`upkeep_event_followers_dropped_total` of
 * /metrics).
 */
import { request } from "node:http";
import { connect, type Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { BenchDaemon } from "./bench-daemon.js";
import { EventStream } from "./event-stream.js";
import { readCpuSeconds, readRssBytes, sleep, wallClockMs } from "./proc-usage.js";
import { formatMiB, formatMs, median, percentile, progress, type Row } from "./report.js";

const FOLLOWERS = 10;
const SAMPLE_MS = 250;
const CONFIG = `  crasher:
    command: [/bin/true]
    backoff: { initial: 0ms, jitter: 0 }
    start_limit: { burst: 1000000000 }
`;

/** A follower that sends its request and never reads: its socket is paused at once. */
function openPausedFollower(socketPath: string): Socket {
  const socket = connect(socketPath);
  socket.pause();
  socket.write("GET /api/v1/events?follow=1&n=0 HTTP/1.0\r\n\r\n");
  return socket;
}

interface Received {
  ids: number[];
  delays: number[];
}

export async function measureEventFanout(): Promise<Row[]> {
  const seconds = Number(process.env["BENCH_FANOUT_SECONDS"] ?? 20);
  const bench = new BenchDaemon("fanout", CONFIG);
  const streams: EventStream[] = [];
  let paused: Socket | null = null;
  try {
    await bench.start();
    await sleep(2000);
    const pid = bench.pid;
    const restarts = async (): Promise<number> =>
      Number((await bench.api("GET", "/api/v1/status")).json.services[0].restarts);
    // The same crash loop without followers first, for the CPU per restart they add.
    const quietCpu0 = readCpuSeconds(pid);
    const quietCount0 = await restarts();
    await sleep((seconds * 1000) / 2);
    const quietPerRestart =
      ((readCpuSeconds(pid) - quietCpu0) * 1000) / Math.max(1, (await restarts()) - quietCount0);
    const baseline = readRssBytes(pid);
    const received: Received[] = [];
    for (let i = 0; i < FOLLOWERS; i++) {
      const got: Received = { ids: [], delays: [] };
      received.push(got);
      streams.push(
        await EventStream.open(bench.socketPath, 1, ({ at, event }) => {
          got.ids.push(event.id);
          got.delays.push(performance.timeOrigin + at - Date.parse(event.ts));
        }),
      );
    }
    paused = openPausedFollower(bench.socketPath);
    const cpu0 = readCpuSeconds(pid);
    const count0 = await restarts();
    const start = wallClockMs();
    let peak = baseline;
    progress(`  ${FOLLOWERS} followers and a paused one during a crash loop, ${seconds} s`);
    while (wallClockMs() - start < seconds * 1000) {
      await sleep(SAMPLE_MS);
      peak = Math.max(peak, readRssBytes(pid));
    }
    const cpu = readCpuSeconds(pid) - cpu0;
    const made = (await restarts()) - count0;
    const metrics = await metricsText(bench);
    const dropped = Number(/^upkeep_event_followers_dropped_total (\d+)$/m.exec(metrics)?.[1] ?? NaN);
    for (const s of streams) s.close();
    // Each follower's ids from its first live event to the last it got must have no gap.
    const complete = received.every((r) => r.ids.every((id, i) => i === 0 || id === r.ids[i - 1]! + 1));
    const delays = received.flatMap((r) => r.delays.slice(1)); // [0] is the snapshot's old event
    const perRestart = (cpu * 1000) / Math.max(1, made);
    const events = Math.min(...received.map((r) => r.ids.length));
    return [
      {
        measure: `event fan-out to ${FOLLOWERS} followers during a crash loop (${seconds} s), event → arrival`,
        result: `p50 ${formatMs(median(delays))}, p95 ${formatMs(percentile(delays, 0.95))}; ≥ ${events} events each, ${complete ? "none missed" : "GAPS"}; daemon CPU ${perRestart.toFixed(2)} ms per restart (${made} restarts; ${quietPerRestart.toFixed(2)} ms without followers, ${seconds / 2} s before)`,
        target: "every event to every follower",
        met: complete,
        peer: "",
        order: 11,
      },
      {
        measure: `  same, plus 1 follower that never reads: daemon RSS, paused follower cut off`,
        result: `${formatMiB(baseline)} before, peak ${formatMiB(peak)} (+${formatMiB(peak - baseline)}); followers dropped: ${dropped}`,
        target: "the paused one dropped",
        met: dropped >= 1,
        peer: "",
        order: 11,
      },
    ];
  } finally {
    for (const s of streams) s.close();
    paused?.destroy();
    await bench.teardown();
  }
}

/** The daemon's /metrics text. */
function metricsText(bench: BenchDaemon): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: bench.socketPath, path: "/metrics" }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("end", () => resolve(text));
    });
    req.on("error", reject);
    req.end();
  });
}
