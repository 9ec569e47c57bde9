/**
 * Measure 2: the daemon's resident memory (VmRSS of /proc/PID/status) with N services running,
 * read 2 s after the last one reached `running`, before anything else talks to the daemon.
 */
import type { Fleet } from "./cold-start.js";
import { readRssBytes, sleep } from "./proc-usage.js";
import { formatMiB, type Row } from "./report.js";

const SETTLE_MS = 2_000;
const TARGETS: Record<number, { bytes: number; peer: string }> = {
  200: { bytes: 50 * 1024 * 1024, peer: "PM2 57 MB" },
  1000: { bytes: 80 * 1024 * 1024, peer: "" },
};

/** The table row of a fleet's daemon RSS. */
export async function measureDaemonRss(fleet: Fleet): Promise<Row> {
  await sleep(SETTLE_MS);
  const rss = readRssBytes(fleet.bench.pid);
  const target = TARGETS[fleet.services];
  return {
    measure: `daemon RSS, ${fleet.services} service${fleet.services === 1 ? "" : "s"} running`,
    result: formatMiB(rss),
    target: target ? `≤ ${formatMiB(target.bytes)}` : "",
    met: target ? rss <= target.bytes : null,
    peer: target?.peer ?? "",
    order: 2,
  };
}
