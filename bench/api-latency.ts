/**
 * Measure 10: the API at 1000 services, over the control socket as a dashboard or a scraper
 * reaches it (no CLI start-up in the figure). The service list (`GET /api/v1/status`, what
 * the dashboard polls) 30 times after 3 warm-ups, p50 / p95 / max; then `GET /metrics` 10
 * times, each more than READING_TTL_MS after the last, so every scrape reads every tree
 * afresh: wall time and the daemon's CPU (utime + stime around each scrape), and once more
 * right after, served from the reading of the second before. Taken on the fleet with cgroups
 * (two cgroup files per service) and, as a diagnostic, on one without (a /proc scan).
 */
import { request } from "node:http";
import { performance } from "node:perf_hooks";
import { READING_TTL_MS } from "../src/api/metrics/tree-usage.js";
import { startFleet, type Fleet } from "./cold-start.js";
import { readCpuSeconds, sleep } from "./proc-usage.js";
import { formatMs, median, percentile, progress, type Row } from "./report.js";

const LIST_WARMUP = 3;
const LIST_RUNS = 30;
const SCRAPES = 10;
const LIST_TARGET_MS = 100;
const SCRAPE_CPU_TARGET_MS = 50;

/** One GET over the socket: wall ms and the body's size. */
function timedGet(socketPath: string, path: string): Promise<{ ms: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request({ socketPath, path, agent: false }, (res) => {
      let bytes = 0;
      res.on("data", (d: Buffer) => (bytes += d.length));
      res.on("end", () => {
        if (res.statusCode !== 200) reject(new Error(`GET ${path} answered HTTP ${res.statusCode}`));
        else resolve({ ms: performance.now() - t0, bytes });
      });
    });
    req.on("error", reject);
    req.end();
  });
}

async function measureList(fleet: Fleet): Promise<Row> {
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < LIST_WARMUP + LIST_RUNS; i++) {
    const r = await timedGet(fleet.bench.socketPath, "/api/v1/status");
    if (i >= LIST_WARMUP) times.push(r.ms);
    bytes = r.bytes;
  }
  const p95 = percentile(times, 0.95);
  return {
    measure: `API service list, ${fleet.services} services (GET /api/v1/status over the socket, ${LIST_RUNS} runs)`,
    result: `p50 ${formatMs(median(times))}, p95 ${formatMs(p95)}, max ${formatMs(Math.max(...times))}; ${(bytes / 1024).toFixed(0)} KiB`,
    target: `p95 ≤ ${LIST_TARGET_MS} ms`,
    met: p95 <= LIST_TARGET_MS,
    peer: "",
    order: 10,
  };
}

async function measureScrape(fleet: Fleet, label: string, withTarget: boolean): Promise<Row[]> {
  const { socketPath } = fleet.bench;
  const pid = fleet.bench.pid;
  await timedGet(socketPath, "/metrics"); // the first reading starts every counter
  const walls: number[] = [];
  const cpus: number[] = [];
  const cached: number[] = [];
  let bytes = 0;
  for (let i = 0; i < SCRAPES; i++) {
    await sleep(READING_TTL_MS + 100);
    const cpu0 = readCpuSeconds(pid);
    const r = await timedGet(socketPath, "/metrics");
    cpus.push((readCpuSeconds(pid) - cpu0) * 1000);
    walls.push(r.ms);
    bytes = r.bytes;
    cached.push((await timedGet(socketPath, "/metrics")).ms);
  }
  const cpuPerScrape = cpus.reduce((a, b) => a + b, 0) / cpus.length;
  return [
    {
      measure: `${label}metrics scrape, ${fleet.services} services${withTarget ? "" : ", cgroup placement off (diagnostic)"} (${SCRAPES} scrapes, trees read afresh)`,
      result: `p50 ${formatMs(median(walls))}, max ${formatMs(Math.max(...walls))}; daemon CPU ${cpuPerScrape.toFixed(1)} ms per scrape; ${(bytes / 1024).toFixed(0)} KiB; within 1 s of the last: p50 ${formatMs(median(cached))}`,
      target: withTarget ? `CPU ≤ ${SCRAPE_CPU_TARGET_MS} ms` : "",
      met: withTarget ? cpuPerScrape <= SCRAPE_CPU_TARGET_MS : null,
      peer: "",
      order: 10,
    },
  ];
}

/** Rows of measure 10: list latency and scrape cost at 1000 services, with and without cgroups. */
export async function measureApiLatency(): Promise<Row[]> {
  const rows: Row[] = [];
  progress("  starting a fleet of 1000 services");
  const fleet = await startFleet(1000);
  try {
    rows.push(await measureList(fleet), ...(await measureScrape(fleet, "", true)));
  } finally {
    await fleet.bench.teardown();
  }
  progress("  starting a fleet of 1000 services (cgroup placement off)");
  const plain = await startFleet(1000, { cgroups: false });
  try {
    rows.push(...(await measureScrape(plain, "  ", false)));
  } finally {
    await plain.bench.teardown();
  }
  return rows;
}
