/**
 * Measure 4: cold start. A fresh daemon with N services (`sleep 100000` each) is spawned; the
 * time until all N are `running` is taken from the daemon's own event records: the latest
 * `→ running` event's timestamp minus the wall-clock moment right before the daemon's spawn.
 * No polling interval enters the figure (the stream is read once the socket answers, snapshot
 * first); the timestamps have 1 ms resolution.
 */
import { BenchDaemon, type BenchOptions } from "./bench-daemon.js";
import { EventStream, type ArrivedEvent } from "./event-stream.js";
import { performance } from "node:perf_hooks";
import type { Row } from "./report.js";

export interface Fleet {
  bench: BenchDaemon;
  services: number;
  /** Daemon spawn → last service running, from the daemon's event timestamps. */
  coldStartMs: number;
  /** Daemon spawn → its socket first answered (bench poll every 20 ms). */
  socketMs: number;
}

/** The config of N identical tiny services s0001…sNNNN. */
function fleetYaml(services: number): string {
  const lines: string[] = [];
  for (let i = 1; i <= services; i++) {
    lines.push(`  s${String(i).padStart(4, "0")}:`, `    command: [sleep, "100000"]`);
  }
  return `${lines.join("\n")}\n`;
}

/** Start a daemon with N services and wait until all run; the caller tears the fleet down. */
export async function startFleet(services: number, options: BenchOptions = {}): Promise<Fleet> {
  const bench = new BenchDaemon(`fleet${services}`, fleetYaml(services), { deferRemoval: true, ...options });
  try {
    return await runFleet(bench, services);
  } catch (err) {
    await bench.teardown();
    throw err;
  }
}

/**
 * The same fleet's second cold start: the daemon is stopped (SIGTERM) and started again on the
 * same state dir, whose FIFOs and index files now exist, as after a reboot or an upgrade.
 */
export async function restartFleet(fleet: Fleet): Promise<Fleet> {
  await fleet.bench.stopDaemon();
  return runFleet(fleet.bench, fleet.services);
}

/** Spawn the bench's daemon and wait until all N services run (events of earlier runs ignored). */
async function runFleet(bench: BenchDaemon, services: number): Promise<Fleet> {
  {
    await bench.start();
    const socketMs = performance.now() - bench.spawnedAt;
    let lastRunningMs = 0;
    const running = new Set<string>();
    const opened: { stream?: EventStream } = {};
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`only ${running.size} of ${services} services ran`)),
          120_000,
        );
        const onEvent = ({ event }: ArrivedEvent): void => {
          if (event.kind !== "state" || event.to !== "running" || event.service === null) return;
          if (Date.parse(event.ts) < Math.floor(bench.spawnedAtWallMs)) return; // an earlier run's
          running.add(event.service);
          lastRunningMs = Math.max(lastRunningMs, Date.parse(event.ts));
          if (running.size === services) {
            clearTimeout(timer);
            resolve();
          }
        };
        // Each service writes a few events (starting, spawn, running): the snapshot asks for all.
        EventStream.open(bench.socketPath, services * 10 + 100, onEvent).then(
          (s) => (opened.stream = s),
          reject,
        );
      });
    } finally {
      opened.stream?.close();
    }
    return { bench, services, coldStartMs: lastRunningMs - bench.spawnedAtWallMs, socketMs };
  }
}

const TARGETS: Record<number, { ms: number; peer: string }> = {
  200: { ms: 500, peer: "runit 0.9 s, PM2 1.9 s" },
  1000: { ms: 2500, peer: "" },
};

/** The table row of a fleet's cold start; `again`: the second start on the same state dir. */
export function coldStartRow(fleet: Fleet, again = false): Row {
  const target = TARGETS[fleet.services];
  const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  const where = again ? "same state dir again" : "new state dir";
  return {
    measure: `cold start, ${fleet.services} services, ${where} (spawn → all running)`,
    result: `${seconds(fleet.coldStartMs)} (socket up at ${seconds(fleet.socketMs)})`,
    target: target ? `≤ ${seconds(target.ms)}` : "",
    met: target ? fleet.coldStartMs <= target.ms : null,
    peer: target?.peer ?? "",
    order: 4,
  };
}
