/**
 * `upkeep shutdown --leave-running` (docs/upgrade.md): the daemon exits and leaves every
 * service process, its record, its PID file, its cgroup and the FIFO holder as they are, so
 * that the next daemon (a newer build, typically) adopts each of them as it does after a crash:
 * same PIDs, and their output waits in the FIFOs meanwhile (docs/daemon.md, "Output that
 * survives the daemon"). What differs from a crash: the daemon's own watching ends first, so
 * nothing is recorded half-way; the output it has read is written; and the event log says why.
 */
import { UpkeepError } from "../core/errors.js";
import type { ServiceRunner } from "../service/runner.js";

/** How long a runner's event in progress (a start waiting for its pidfile) may finish. */
const SETTLE_MS = 10_000;

/** Refuses `--leave-running` as PID 1: the kernel kills every process of the namespace with it. */
export function refuseLeavingAsPid1(): void {
  if (process.pid !== 1) return;
  throw new UpkeepError(
    "DAEMON_CANNOT_LEAVE_RUNNING",
    "cannot leave the services running: this daemon is PID 1 of its PID namespace, and the kernel kills every process of the namespace when PID 1 exits",
    {
      hint: "stop everything with: upkeep shutdown; for upgrades without downtime run the daemon under an init (docker run --init, tini) so it is not PID 1",
    },
  );
}

/**
 * Stops every runner from acting (timers, watches, readiness, queued events) without touching
 * its process or record, once the event it is handling (if any) is done; returns the names of
 * the services whose process is left running.
 */
export async function freezeRunners(runners: readonly ServiceRunner[]): Promise<string[]> {
  await Promise.all(runners.map((runner) => runner.leaveRunning(SETTLE_MS)));
  return runners.filter((runner) => runner.record !== null).map((runner) => runner.name);
}

/** The reason of the daemon's last event when it leaves its services running. */
export function describeLeftRunning(names: readonly string[]): string {
  const list =
    names.length === 0 ? "no service process runs" : `${names.length} left running: ${names.join(", ")}`;
  return `daemon stopped, services left running for an upgrade (${list}); the next daemon adopts them`;
}
