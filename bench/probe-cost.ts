/**
 * What probes and limits cost the daemon (issue: "probes never block the daemon and cost
 * nothing when none are configured"; "sampling only for services that set limits, and
 * cheap"). Three fleets of 200 `sleep` services, each idled for a window once all run:
 *  - none: no probe, no limit (the baseline: nothing runs per service);
 *  - tcp health probe every 1 s, to a port the bench process itself listens on;
 *  - limits (memory 1 GB, window 5 s: sampled every 1 s), never exceeded.
 * The daemon's CPU time over the window, minus the baseline, per probe or per sample.
 * The gate's and readiness's waits are not timed: they run only while a service starts.
 */
import { createServer, type AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { BenchDaemon } from "./bench-daemon.js";
import { readCpuSeconds, sleep } from "./proc-usage.js";
import { formatMs, percentile, progress, type Row } from "./report.js";

const SERVICES = 200;
/** Seconds of each idle window (BENCH_PROBE_SECONDS, default 10). */
const SECONDS = Number(process.env["BENCH_PROBE_SECONDS"] ?? 10);
const ORDER = 9;

function fleetYaml(extra: string): string {
  const lines: string[] = [];
  for (let i = 1; i <= SERVICES; i++) {
    lines.push(`  p${String(i).padStart(4, "0")}:`, `    command: [sleep, "100000"]`);
    if (extra) lines.push(`    ${extra}`);
  }
  return `${lines.join("\n")}\n`;
}

interface FleetCost {
  /** CPU seconds the daemon used over the window. */
  cpu: number;
  /** Status requests answered during 3 s after the window: p50 and max ms. */
  status: { p50: number; max: number };
}

/** Requests `GET /api/v1/status` back to back for `ms`: whether the loop stays responsive. */
async function statusLatency(bench: BenchDaemon, ms: number): Promise<{ p50: number; max: number }> {
  const times: number[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const t0 = performance.now();
    await bench.api("GET", "/api/v1/status");
    times.push(performance.now() - t0);
    await sleep(20);
  }
  return { p50: percentile(times, 0.5), max: Math.max(...times) };
}

/** What the fleet's daemon used over the window once every service runs, and its responsiveness. */
async function idleCpu(label: string, extra: string): Promise<FleetCost> {
  const bench = new BenchDaemon(`probes-${label}`, fleetYaml(extra));
  try {
    await bench.start();
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { json } = await bench.api("GET", "/api/v1/services");
      const services = json.services as { state: string }[];
      if (services.every((s) => s.state === "running")) break;
      if (Date.now() > deadline) throw new Error(`${label}: not all ${SERVICES} services ran within 60 s`);
      await sleep(100);
    }
    await sleep(2000); // past the start-up's own tail (V8 tidying up after the burst)
    const before = readCpuSeconds(bench.pid);
    await sleep(SECONDS * 1000);
    const cpu = readCpuSeconds(bench.pid) - before;
    return { cpu, status: await statusLatency(bench, 3000) };
  } finally {
    await bench.teardown();
  }
}

export async function measureProbeCost(): Promise<Row[]> {
  const server = createServer((socket) => socket.destroy()).listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    progress(`  ${SERVICES} services, no probes or limits, ${SECONDS} s idle`);
    const none = await idleCpu("none", "");
    progress(`  ${SERVICES} services, a tcp health probe every 1 s each`);
    const probed = await idleCpu(
      "tcp",
      `health: { tcp: ${port}, interval: 1s, timeout: 1s, restart_on: [] }`,
    );
    progress(`  ${SERVICES} services with limits, sampled every 1 s each`);
    const limited = await idleCpu("limits", "limits: { memory: 1GB, window: 5s }");
    const probes = SERVICES * SECONDS;
    const perMinute = (f: FleetCost): string => `${((f.cpu * 60) / SECONDS).toFixed(3)} s CPU per minute`;
    const each = (f: FleetCost): string =>
      `${Math.max(0, ((f.cpu - none.cpu) * 1000) / probes).toFixed(3)} ms`;
    const status = (f: FleetCost): string =>
      `status answered in ${formatMs(f.status.p50)} p50, ${formatMs(f.status.max)} max`;
    const row = (measure: string, result: string, target: string): Row => ({
      measure,
      result,
      target,
      met: null,
      peer: "",
      order: ORDER,
    });
    return [
      row(
        `daemon CPU, ${SERVICES} services, no probe or limit (${SECONDS} s idle)`,
        `${perMinute(none)}; ${status(none)}`,
        "nothing per service",
      ),
      row(
        `daemon CPU, ${SERVICES} tcp health probes every 1 s`,
        `${perMinute(probed)}; ${each(probed)} per probe; ${status(probed)}`,
        "never blocks; cheap",
      ),
      row(
        `daemon CPU, ${SERVICES} services with limits, 1 sample/s each`,
        `${perMinute(limited)}; ${each(limited)} per sample; ${status(limited)}`,
        "cheap",
      ),
    ];
  } finally {
    server.close();
  }
}
