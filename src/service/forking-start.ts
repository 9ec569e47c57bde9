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
import { isDeadState } from "../identity/process-identity.js";
import { readProcStat } from "../identity/proc-stat.js";
import {
  describeUntied,
  locateMain,
  type ClaimedBy,
  readPidfile,
  type Candidate,
  type LaunchTrace,
} from "./main-process.js";
import type { ServiceOutput } from "./output.js";
import { spawnService, type ExitStatus } from "./spawn.js";
import { describeExitStatus } from "./stop-command.js";
import { spawnedSelector } from "./tree-effects.js";

/** How often the pidfile (or the process table, for match) is looked at while a start waits. */
const LOOK_INTERVAL_MS = 20;
/** With `match` only, each look scans every process: four times a second is enough. */
const MATCH_INTERVAL_MS = 250;

/** Waits `ms`, or less when the signal aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

export type ForkingStart =
  | { kind: "found"; main: Candidate; launch: LaunchTrace | null; alreadyRunning: boolean }
  | { kind: "failed"; error: string; fatal: boolean };

/**
 * The process found before anything is started (an external service already up, or a
 * refusal); otherwise what the start must know: the PID of a stale pidfile, if there was one.
 */
function lookFirst(
  config: ServiceConfig,
  output: ServiceOutput,
  force: boolean,
  claimedBy: ClaimedBy,
): ForkingStart | { stalePid: number | null } {
  const found = locateMain(config, null, claimedBy);
  if (typeof found !== "string") {
    // --force never takes over what another user's pidfile names: that file proves nothing.
    if (force && found.tie === null && found.foreignPidfile !== true) {
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
  // new daemon's PID. Its number is remembered either way: should the kernel hand it to a new
  // process while the start waits, starting late is no proof that process is the service.
  const content = config.pidfile === null ? null : readPidfile(config.pidfile);
  if (config.pidfile === null || content?.kind !== "pid") return { stalePid: null };
  const stale = content.pid;
  const holder = readProcStat(stale);
  // Alive (another service's main process, when match found nothing else): not stale, kept.
  if (holder !== null && !isDeadState(holder)) return { stalePid: stale };
  const again = readPidfile(config.pidfile);
  if (again.kind === "pid" && again.pid === stale) {
    try {
      unlinkSync(config.pidfile);
      output.marker(`removed stale pidfile ${config.pidfile} (it named PID ${stale}, which is not running)`);
    } catch {
      // Not ours to remove (permissions): the tie check below distrusts that PID.
    }
  }
  return { stalePid: stale };
}

/**
 * Start a forking or external service and find its main process. `portsBlocked` runs only when
 * a start command is about to run (an external service already up is adopted, not refused
 * over the ports it holds itself); it returns why the start must not happen, or null.
 */
export async function startForkingService(
  config: ServiceConfig,
  output: ServiceOutput,
  cgroupPath: string | null,
  { force, signal, claimedBy = () => null }: { force: boolean; signal?: AbortSignal; claimedBy?: ClaimedBy },
  portsBlocked: () => Promise<string | null>,
): Promise<ForkingStart> {
  const first = lookFirst(config, output, force, claimedBy);
  if ("kind" in first) return first;
  const blocked = await portsBlocked();
  if (blocked !== null) return { kind: "failed", error: blocked, fatal: false };

  const command = config.type === "external" ? (config.startCommand ?? []) : config.command;
  const startTicks = readUptimeTicks();
  let spawned;
  try {
    spawned = await spawnService({ ...config, command }, output, cgroupPath, {
      announce: (pid) => `ran start command, PID ${pid}`,
      commandKey: config.type === "external" ? "start" : "command",
    });
  } catch (err) {
    return { kind: "failed", error: err instanceof Error ? err.message : String(err), fatal: false };
  }
  const launch: LaunchTrace = {
    stalePid: first.stalePid,
    pid: spawned.pid,
    startTime: startTicks,
    runId: spawned.runId,
    cgroup: cgroupPath,
  };
  // The start command's own start time, for killing what is left of it after a timeout.
  const launcherStart = readProcStat(spawned.pid)?.startTime ?? startTicks;
  const cleanLaunch = (): Promise<unknown> =>
    killTreeAndWait(spawnedSelector(spawned, launcherStart, cgroupPath), 5_000);
  let status: ExitStatus | null = null;
  void spawned.exited.then((s) => (status = s));

  const deadline = Date.now() + config.startTimeoutMs;
  let last: Candidate | string = "";
  for (;;) {
    if (signal?.aborted === true) {
      await cleanLaunch();
      return {
        kind: "failed",
        error: "the start was given up: a stop or restart was requested",
        fatal: false,
      };
    }
    const exitedStatus = status as ExitStatus | null;
    if (exitedStatus !== null && (exitedStatus.code !== 0 || exitedStatus.signal !== null)) {
      await cleanLaunch();
      const error = `the start command ${describeExitStatus(exitedStatus)}; see why: upkeep logs ${config.name} -n 50`;
      return { kind: "failed", error, fatal: false };
    }
    // forking: systemd's rule, the pidfile counts once the start command has exited.
    if (exitedStatus !== null || config.type === "external") {
      last = locateMain(config, launch, claimedBy);
      if (typeof last !== "string" && last.tie !== null) {
        return { kind: "found", main: last, launch, alreadyRunning: false };
      }
    }
    if (Date.now() >= deadline) break;
    await pause(config.pidfile !== null ? LOOK_INTERVAL_MS : MATCH_INTERVAL_MS, signal);
  }
  // A failed start leaves nothing behind: the start command, if still running, and whatever
  // it forked (found by this start's cgroup and marker).
  await cleanLaunch();
  const timeout = `${config.startTimeoutMs / 1000}s`;
  if (status === null && config.type === "forking") {
    return {
      kind: "failed",
      error:
        `the start command was still running after start_timeout ${timeout}; killed it. A forking ` +
        `start command must exit once the daemon has forked: if it stays in the foreground, use ` +
        `type: simple; if it is only slow, raise services.${config.name}.start_timeout`,
      fatal: false,
    };
  }
  if (typeof last !== "string")
    return { kind: "failed", error: describeUntied(config.name, last), fatal: true };
  const where =
    config.pidfile !== null
      ? `the daemon writes its PID to ${config.pidfile} (pidfile:)`
      : "match names the daemon's process";
  const error =
    `no main process after start_timeout ${timeout}: ${last}; check that ${where}, ` +
    `or raise services.${config.name}.start_timeout; see: upkeep logs ${config.name} -n 50`;
  return { kind: "failed", error, fatal: false };
}
