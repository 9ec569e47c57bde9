/**
 * Real process trees for the identity tests (used by *.test.ts only; nothing in upkeep imports
 * it). Every process carries a unique marker in its argv (as the sleep duration), so teardown
 * can find and kill whatever a test left behind, and prove that nothing is left.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomInt } from "node:crypto";
import { createInterface } from "node:readline";
import { waitFor } from "../../test/helpers/wait-for.js";
import { errnoOf } from "../core/errors.js";
import { runInCgroup } from "./cgroup.js";
import { readCmdline, readProcStat } from "./proc-stat.js";
import { isDeadState } from "./process-identity.js";
import type { TreeSelector } from "./process-tree.js";
import { listPids } from "./process-table.js";

/** A started script: the `sh` child and the PIDs it reported ("name pid" lines before "ready"). */
export interface StartedScript {
  child: ChildProcess;
  pids: Map<string, number>;
}

/** A unique sleep duration: "3000.<9 random digits>", findable in /proc/PID/cmdline. */
export function createMarker(): string {
  return `3000.${String(randomInt(1e8, 1e9))}`;
}

/**
 * Spawns `sh -c script` in its own session (as upkeep spawns services), optionally born inside a
 * cgroup, and waits until the script prints "ready". Lines "NAME PID" before it are collected.
 */
export async function startScript(
  script: string,
  options: { env?: Record<string, string>; cgroup?: string } = {},
): Promise<StartedScript> {
  const start = (): ChildProcess =>
    spawn("sh", ["-c", script], {
      detached: true,
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, ...options.env },
    });
  const child = options.cgroup === undefined ? start() : runInCgroup(options.cgroup, start).value;
  const pids = new Map<string, number>();
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`script exited early (code ${code}): ${script}`)));
    lines.on("line", (line) => {
      if (line === "ready") resolve();
      const [name, pid] = line.split(" ");
      if (name !== undefined && pid !== undefined) pids.set(name, Number(pid));
    });
  });
  child.removeAllListeners("exit");
  lines.close();
  return { child, pids };
}

/** True while `pid` is a process that has not exited (zombies count as exited). */
export function isAlive(pid: number): boolean {
  const stat = readProcStat(pid);
  return stat !== null && !isDeadState(stat);
}

/** Live PIDs whose argv contains the marker. */
export function findMarked(marker: string): number[] {
  return listPids().filter(
    (pid) => isAlive(pid) && (readCmdline(pid) ?? []).some((arg) => arg.includes(marker)),
  );
}

/** Teardown: SIGKILLs every live process carrying the marker and waits until none is left. */
export async function killMarked(marker: string): Promise<void> {
  for (const pid of findMarked(marker)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch (err) {
      if (errnoOf(err) !== "ESRCH") throw err; // ESRCH: exited between listing and kill, as wanted
    }
  }
  await waitFor(() => findMarked(marker).length === 0, {
    what: `no process marked ${marker}`,
    timeout: 5000,
  });
}

/** Waits until the `sh` of a started script has exited and was reaped by Node. */
export async function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((resolve) => child.once("exit", resolve));
}

/** Waits until each PID runs `comm` (has finished its setsid/env/exec chain). */
export async function waitForComm(pids: Iterable<number>, comm: string): Promise<void> {
  for (const pid of pids) {
    await waitFor(() => readProcStat(pid)?.comm === comm, { what: `PID ${pid} to exec ${comm}` });
  }
}

/** Starts a tree script with UPKEEP_RUN_ID set (in a cgroup if given) and waits until each of its processes is `sleep`. */
export async function startTree(script: string, runId: string, cgroup?: string): Promise<StartedScript> {
  const started = await startScript(script, {
    env: { UPKEEP_RUN_ID: runId },
    ...(cgroup ? { cgroup } : {}),
  });
  await waitForComm([started.child.pid!, ...started.pids.values()], "sleep");
  return started;
}

/** The selector of a started script's tree, as the daemon records it. */
export function treeSelectorOf(started: StartedScript, runId: string, cgroup: string | null): TreeSelector {
  const stat = readProcStat(started.child.pid!)!;
  return { pid: stat.pid, startTime: stat.startTime, pgid: stat.pgid, sid: stat.sid, runId, cgroup };
}
