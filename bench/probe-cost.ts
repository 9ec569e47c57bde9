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
import { BenchDaemon } from "./bench-daemon.js";
import { readCpuSeconds, sleep } from "./proc-usage.js";
import { progress, type Row } from "./report.js";

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

/** CPU seconds the fleet's daemon used over the window, once every service runs. */
async function idleCpu(label: string, extra: string): Promise<number> {
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
    return readCpuSeconds(bench.pid) - before;
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
    const perMinute = (cpu: number): string => `${((cpu * 60) / SECONDS).toFixed(3)} s CPU per minute`;
    const each = (cpu: number): string => `${Math.max(0, ((cpu - none) * 1000) / probes).toFixed(3)} ms`;
    return [
      {
        measure: `daemon CPU, ${SERVICES} services, no probe or limit (${SECONDS} s idle)`,
        result: perMinute(none),
        target: "nothing per service",
        met: null,
        peer: "",
        order: ORDER,
      },
      {
        measure: `daemon CPU, ${SERVICES} tcp health probes every 1 s`,
        result: `${perMinute(probed)}; ${each(probed)} per probe`,
        target: "never blocks; cheap",
        met: null,
        peer: "",
        order: ORDER,
      },
      {
        measure: `daemon CPU, ${SERVICES} services with limits, 1 sample/s each`,
        result: `${perMinute(limited)}; ${each(limited)} per sample`,
        target: "cheap",
        met: null,
        peer: "",
        order: ORDER,
      },
    ];
  } finally {
    server.close();
  }
}
