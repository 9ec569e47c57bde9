/**
 * Starting a service whose main process is not the one upkeep spawns. `forking`: run `command`,
 * which forks the daemon and exits; once it has exited with 0, the pidfile must name a live
 * process tied to this start. `external`: it may already run (found by pidfile or match, and
 * tied to the service), else run `start` and wait until the process can be found. Both within
 * `start_timeout`; anything else is a failed start with the reason (SPEC §2, §6).
 */
import { unlinkSync } from "node:fs";
import type { ServiceConfig } from "../config/model.js";
import { readUptimeTicks } from "../identity/boot-id.js";
import { killTreeAndWait } from "../identity/kill-tree.js";
import { readProcStat } from "../identity/proc-stat.js";
import { describeUntied, locateMain, readPidfile, type Candidate, type LaunchTrace } from "./main-process.js";
import type { ServiceOutput } from "./output.js";
import { spawnService, type ExitStatus } from "./spawn.js";

/** How often the pidfile (or the process table, for match) is looked at while a start waits. */
const LOOK_INTERVAL_MS = 20;

export type ForkingStart =
  | { kind: "found"; main: Candidate; launch: LaunchTrace | null; alreadyRunning: boolean }
  | { kind: "failed"; error: string; fatal: boolean };

function describeStatus(status: ExitStatus): string {
  return status.signal !== null ? `was killed by ${status.signal}` : `exited with code ${status.code ?? "?"}`;
}

/** The process found before anything is started: an external service already up, or a refusal. */
function lookFirst(config: ServiceConfig, output: ServiceOutput, force: boolean): ForkingStart | null {
  const found = locateMain(config, null);
  if (typeof found !== "string") {
    if (force && found.tie === null) {
      output.marker(`taking over ${found.source}'s PID ${found.stat.pid}: --force`);
      return {
        kind: "found",
        main: { ...found, tie: "the operator took it over with --force" },
        launch: null,
        alreadyRunning: true,
      };
    }
    if (found.tie === null) return { kind: "failed", error: describeUntied(config.name, found), fatal: true };
    // A forking daemon tied only by match cannot be: forking services have no match.
    return { kind: "found", main: found, launch: null, alreadyRunning: true };
  }
  // A pidfile naming a dead process is proven stale: removed so the wait below sees only the
  // new daemon's PID (a reused number could otherwise be mistaken for it).
  if (config.pidfile !== null && readPidfile(config.pidfile).kind === "pid") {
    try {
      unlinkSync(config.pidfile);
      output.marker(`removed stale pidfile ${config.pidfile} (${found.replace(/^pidfile \S+ /, "")})`);
    } catch {
      // Not ours to remove (permissions): the tie check below still refuses a stranger.
    }
  }
  return null;
}

/** Start a forking or external service and find its main process. */
export async function startForkingService(
  config: ServiceConfig,
  output: ServiceOutput,
  cgroupPath: string | null,
  force: boolean,
): Promise<ForkingStart> {
  const first = lookFirst(config, output, force);
  if (first !== null) return first;

  const command = config.type === "external" ? (config.startCommand ?? []) : config.command;
  const startTicks = readUptimeTicks();
  let spawned;
  try {
    spawned = await spawnService({ ...config, command }, output, cgroupPath);
  } catch (err) {
    return { kind: "failed", error: err instanceof Error ? err.message : String(err), fatal: false };
  }
  const launch: LaunchTrace = {
    pid: spawned.pid,
    startTime: startTicks,
    runId: spawned.runId,
    cgroup: cgroupPath,
  };
  // The start command's own start time, for killing what is left of it after a timeout.
  const launcherStart = readProcStat(spawned.pid)?.startTime ?? startTicks;
  output.marker(`ran start command, PID ${spawned.pid}`);
  const { pid, runId } = launch;
  const cleanLaunch = (): Promise<unknown> =>
    killTreeAndWait({ pid, startTime: launcherStart, pgid: pid, sid: pid, runId, cgroup: cgroupPath }, 5_000);
  let status: ExitStatus | null = null;
  void spawned.exited.then((s) => (status = s));

  const deadline = Date.now() + config.startTimeoutMs;
  let last: Candidate | string = "";
  for (;;) {
    const exitedStatus = status as ExitStatus | null;
    if (exitedStatus !== null && (exitedStatus.code !== 0 || exitedStatus.signal !== null)) {
      await cleanLaunch();
      return { kind: "failed", error: `the start command ${describeStatus(exitedStatus)}`, fatal: false };
    }
    // forking: systemd's rule, the pidfile counts once the start command has exited.
    if (exitedStatus !== null || config.type === "external") {
      last = locateMain(config, launch);
      if (typeof last !== "string" && last.tie !== null) {
        return { kind: "found", main: last, launch, alreadyRunning: false };
      }
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, LOOK_INTERVAL_MS));
  }
  // A failed start leaves nothing behind: the start command, if still running, and whatever
  // it forked (found by this start's cgroup and marker).
  await cleanLaunch();
  const timeout = `${config.startTimeoutMs / 1000}s`;
  if (status === null && config.type === "forking") {
    return {
      kind: "failed",
      error: `the start command was still running after start_timeout ${timeout}; killed it`,
      fatal: false,
    };
  }
  if (typeof last !== "string")
    return { kind: "failed", error: describeUntied(config.name, last), fatal: true };
  return { kind: "failed", error: `no main process after start_timeout ${timeout}: ${last}`, fatal: false };
}
