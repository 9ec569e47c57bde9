/**
 * Measure 2: the daemon's resident memory (VmRSS of /proc/PID/status) with N services running,
 * read 2 s after the last one reached `running`, before anything else talks to the daemon;
 * and, without a target, right after a burst of work (restarts and status requests), which
 * brings back the code pages the daemon gave back after start-up (docs/daemon.md).
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

const BURST_RESTARTS = 20;
const BURST_STATUS = 5;

/** The RSS right after 20 restarts (one by one) and 5 full status requests. */
export async function measureRssAfterWork(fleet: Fleet): Promise<Row> {
  for (let i = 0; i < Math.min(BURST_RESTARTS, fleet.services); i++) {
    const name = `s${String(i + 1).padStart(4, "0")}`; // cold-start.ts names them so
    const answer = await fleet.bench.api("POST", "/api/v1/actions", { action: "restart", names: [name] });
    if (answer.status !== 200) throw new Error(`restart ${name}: HTTP ${answer.status}`);
  }
  for (let i = 0; i < BURST_STATUS; i++) await fleet.bench.api("GET", "/api/v1/status");
  await sleep(1_000);
  const rss = readRssBytes(fleet.bench.pid);
  return {
    measure: `  same, right after ${BURST_RESTARTS} restarts and ${BURST_STATUS} status requests`,
    result: formatMiB(rss),
    target: "",
    met: null,
    peer: "",
    order: 2,
  };
}
