/**
 * `npm run bench`: runs every measurement of issue #2 against real daemons, then prints one
 * table (measure | result | target | status | peer figure) with the machine it ran on. Missed
 * targets are reported as MISSED and the exit code stays 0; only a measurement that could not
 * be taken (an error) makes it 1. Every daemon, service, cgroup and temp dir is removed at the
 * end, also after Ctrl-C. BENCH_ONLY=restart,notify,incidents,logs,fleet,watch,probes,api,fanout,dashboard (comma list) runs a subset.
 */
import { measureDashboardLoad } from "./dashboard-load.js";
import { teardownAll } from "./bench-daemon.js";
import { measureFleets } from "./fleet-measures.js";
import { measureLogThroughput } from "./log-throughput.js";
import { describeMachine, renderBusy, renderMachine, sampleBusy } from "./machine.js";
import { errorRow, progress, renderTable, type Row } from "./report.js";
import { measureRestartLatency } from "./restart-latency.js";
import { measureIncidentCost } from "./incident-cost.js";
import { measureCrashLoopCost } from "./crash-loop-cost.js";
import { measureNotifyRestartLatency } from "./notify-restart.js";
import { measureWatchLatency } from "./watch-latency.js";
import { measureProbeCost } from "./probe-cost.js";
import { measureApiLatency } from "./api-latency.js";
import { measureEventFanout } from "./event-fanout.js";

const KILLS = 200;

interface Part {
  key: string;
  title: string;
  run: () => Promise<Row[]>;
}

const PARTS: Part[] = [
  { key: "restart", title: "restart latency", run: () => measureRestartLatency(KILLS) },
  { key: "restart", title: "CPU per restart (crash loop)", run: measureCrashLoopCost },
  {
    key: "notify",
    title: "restart latency, notifications on vs off",
    run: () => measureNotifyRestartLatency(KILLS / 2),
  },
  {
    key: "incidents",
    title: "incidents: snapshot cost, restart latency on vs off",
    run: measureIncidentCost,
  },
  { key: "logs", title: "log capture throughput", run: measureLogThroughput },
  { key: "fleet", title: "fleets of 1, 200, 1000 services", run: measureFleets },
  { key: "watch", title: "watching non-child processes", run: measureWatchLatency },
  { key: "probes", title: "health probes and limits", run: measureProbeCost },
  { key: "api", title: "API list and metrics scrape at 1000 services", run: measureApiLatency },
  { key: "fanout", title: "event fan-out during a crash loop", run: measureEventFanout },
  { key: "dashboard", title: "dashboard load at 1000 services", run: () => measureDashboardLoad(1000) },
];

async function main(): Promise<number> {
  const only = process.env["BENCH_ONLY"]?.split(",");
  const rows: Row[] = [];
  let failed = false;
  const started = Date.now();
  const busyAtStart = sampleBusy();
  for (const part of PARTS) {
    if (only && !only.includes(part.key)) continue;
    const t0 = Date.now();
    progress(`${part.title}...`);
    try {
      rows.push(...(await part.run()));
    } catch (err) {
      failed = true;
      rows.push(errorRow(part.title, err));
      progress(`${part.title} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
    progress(`${part.title} took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  await teardownAll();
  progress(`total ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const busy = renderBusy(busyAtStart, sampleBusy());
  console.log(`\n${renderMachine(describeMachine())}\n${busy}\n\n${renderTable(rows)}`);
  return failed ? 1 : 0;
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    progress(`${signal}: cleaning up`);
    teardownAll().then(
      () => process.exit(130),
      (err: unknown) => {
        console.error("bench: cleanup failed:", err);
        process.exit(1);
      },
    );
  });
}

main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    console.error("bench:", err);
    await teardownAll();
    process.exit(1);
  },
);
