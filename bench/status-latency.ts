/**
 * Measure 6: wall time of `bin/upkeep status --json` (as users type it) against a daemon with 1000 services, next to a
 * bare `node -e 0` (the floor any Node CLI pays). Runs alternate between the two so that drift
 * of the machine hits both alike; the median of each is compared.
 */
import { spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { join } from "node:path";
import { REPO_ROOT } from "./bench-daemon.js";
import type { Fleet } from "./cold-start.js";
import { formatMs, median, type Row } from "./report.js";

const WARMUP_RUNS = 3;
const TARGET_RATIO = 1.4;

/** The command users type: bin/upkeep, its launcher included. */
const UPKEEP = join(REPO_ROOT, "bin/upkeep");

function timeRun(file: string, args: string[]): { ms: number; stdout: string } {
  const t0 = performance.now();
  const r = spawnSync(file, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${file} ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

/** The table rows: median status --json, median bare node, and their ratio. */
export function measureStatusLatency(fleet: Fleet, runs: number): Row[] {
  const status = ["--config", fleet.bench.configFile, "status", "--json"];
  const first = JSON.parse(timeRun(UPKEEP, status).stdout) as { services: unknown[] };
  if (first.services.length !== fleet.services) {
    throw new Error(`status --json listed ${first.services.length} services, expected ${fleet.services}`);
  }
  const bare: number[] = [];
  const cli: number[] = [];
  for (let i = 0; i < WARMUP_RUNS + runs; i++) {
    const b = timeRun(process.execPath, ["-e", "0"]).ms;
    const c = timeRun(UPKEEP, status).ms;
    if (i < WARMUP_RUNS) continue;
    bare.push(b);
    cli.push(c);
  }
  const ratio = median(cli) / median(bare);
  return [
    {
      measure: `status --json, ${fleet.services} services (median of ${runs})`,
      result: `${formatMs(median(cli))} = ${ratio.toFixed(2)}× node -e 0 (${formatMs(median(bare))})`,
      target: `≤ ${TARGET_RATIO}×`,
      met: ratio <= TARGET_RATIO,
      peer: "",
      order: 6,
    },
  ];
}
