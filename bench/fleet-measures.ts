/**
 * Measures 2, 3, 4 and 6 share their daemons: a fleet of N services is started once (cold
 * start), then its RSS is read, and the 200-service fleet idles for the CPU figure while the
 * 1000-service one answers `status --json`. Order inside a fleet matters: RSS first, before
 * any client request grows the heap. Each fleet's shutdown (SIGTERM → daemon exit) is reported
 * too, without a target, and the 200-service cold start is repeated with cgroup placement off.
 * After its other measures, each large fleet is stopped and started again on the same state
 * dir: the second cold start, as after a reboot or an upgrade.
 */
import { removeLeftDirs } from "./bench-daemon.js";
import { coldStartRow, restartFleet, startFleet, type Fleet } from "./cold-start.js";
import { measureDaemonRss, measureRssAfterWork } from "./daemon-rss.js";
import { measureCheckCost, measureCheckCostDown } from "./check-cost.js";
import { measureIdleCpu } from "./idle-cpu.js";
import { errorRow, progress, type Row } from "./report.js";
import { measureStatusLatency } from "./status-latency.js";

/** Seconds of idling for measure 3 (BENCH_IDLE_SECONDS, default 60). */
const IDLE_SECONDS = Number(process.env["BENCH_IDLE_SECONDS"] ?? 60);
const STATUS_RUNS = 25;

async function withFleet(
  services: number,
  measure: (fleet: Fleet) => Promise<Row[]>,
  cgroups = true,
): Promise<Row[]> {
  progress(`  starting a fleet of ${services} services${cgroups ? "" : " (cgroup placement off)"}`);
  const fleet = await startFleet(services, { cgroups });
  let rows: Row[];
  try {
    rows = await measure(fleet);
  } finally {
    progress(`  stopping the fleet of ${services}`);
    await fleet.bench.teardown();
  }
  const shutdown = fleet.bench.shutdown;
  if (cgroups && shutdown && services > 1) {
    rows.push({
      measure: `  shutdown, ${services} service${services === 1 ? "" : "s"} (SIGTERM → daemon exit)`,
      result: shutdown.killed
        ? `> ${shutdown.ms / 1000} s (SIGKILLed)`
        : `${(shutdown.ms / 1000).toFixed(2)} s`,
      target: "",
      met: null,
      peer: "",
      order: 4.5, // after the cold starts
    });
  }
  return rows;
}

/**
 * The 200-service cold start once more, right after the earlier fleets' temp dirs are deleted
 * (diagnostic): on ext4 without a journal every create then skips the inodes freed within
 * the last minute or so (the kernel's recently_deleted check), which is what back-to-back
 * runs of a bench that removes its dirs at once used to measure as the new-state-dir figure.
 */
async function coldStartAfterDeletion(): Promise<Row[]> {
  const deleted = removeLeftDirs();
  return withFleet(200, (fleet) =>
    Promise.resolve([
      {
        ...coldStartRow(fleet),
        measure: `  same, right after ${deleted} files of earlier state dirs were deleted (diagnostic)`,
        target: "",
        met: null,
        peer: "",
      },
    ]),
  ).catch((err: unknown) => [errorRow("  cold start after a deletion", err, 4)]);
}

/** All rows of the fleet measures (run.ts sorts them by measure number). */
export async function measureFleets(): Promise<Row[]> {
  const rows: Row[] = [];
  rows.push(...(await withFleet(1, async (fleet) => [await measureDaemonRss(fleet)])));
  rows.push(
    ...(await withFleet(200, async (fleet) => {
      const rss = await measureDaemonRss(fleet);
      progress(`  idling ${IDLE_SECONDS} s for the CPU figure`);
      const idle = await measureIdleCpu(fleet, IDLE_SECONDS);
      const worked = await measureRssAfterWork(fleet);
      progress("  timing upkeep check");
      const check = measureCheckCost(fleet);
      progress("  starting the fleet of 200 again on its state dir");
      return [
        coldStartRow(fleet),
        coldStartRow(await restartFleet(fleet), true),
        rss,
        worked,
        idle,
        ...check,
      ];
    })),
  );
  const diagnostic = await withFleet(
    200,
    async (fleet) => {
      const row = coldStartRow(fleet);
      // The daemon dies; its 200 services keep running: `check` must work without it.
      await fleet.bench.killDaemon();
      progress("  timing upkeep check with the daemon down");
      return [
        { ...row, measure: "  same, cgroup placement off (diagnostic)", target: "", met: null, peer: "" },
        ...measureCheckCostDown(fleet),
      ];
    },
    false,
  ).catch((err: unknown) => [errorRow("  cold start, cgroup placement off", err, 4)]);
  rows.push(...diagnostic);
  rows.push(...(await coldStartAfterDeletion()));
  rows.push(
    ...(await withFleet(1000, async (fleet) => {
      const rss = await measureDaemonRss(fleet);
      const worked = await measureRssAfterWork(fleet);
      const status = measureStatusLatency(fleet, STATUS_RUNS);
      progress("  starting the fleet of 1000 again on its state dir");
      return [coldStartRow(fleet), coldStartRow(await restartFleet(fleet), true), rss, worked, ...status];
    })),
  );
  return rows;
}
