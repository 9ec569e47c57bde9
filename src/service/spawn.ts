import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { resolveExecutable } from "./resolve-executable.js";
import type { ServiceConfig } from "../config/model.js";
import { runInCgroup, placeInCgroup } from "../identity/cgroup.js";
import { resolveGroup, resolveUser } from "../identity/users.js";
import type { ServiceOutput } from "./output.js";

/** What a successful spawn hands back to the runner. */
export interface Spawned {
  child: ChildProcess;
  pid: number;
  runId: string;
}

/**
 * Start the service's argv (never through a shell) in its own session and process group,
 * inside its cgroup when there is one, with stdout/stderr on the service's FIFOs. Returns the
 * child, or throws the spawn error (ENOENT, EACCES, EPERM...) for the runner to report.
 */
export function spawnService(
  config: ServiceConfig,
  output: ServiceOutput,
  cgroupPath: string | null,
): Promise<Spawned> {
  const runId = randomUUID();
  const [command, ...args] = config.command;
  if (command === undefined) return Promise.reject(new Error("the command is empty"));
  const file = resolveExecutable(command, config.env["PATH"] ?? process.env["PATH"] ?? "", config.cwd);
  const ids = resolveIds(config);
  const stdio = output.childStdio();
  let child: ChildProcess;
  try {
    const start = (): ChildProcess =>
      spawn(file, args, {
        cwd: config.cwd,
        env: { ...process.env, ...ids.env, ...config.env, UPKEEP_SERVICE: config.name, UPKEEP_RUN_ID: runId },
        stdio: ["ignore", stdio.out, stdio.err],
        // Own session and process group: terminal signals meant for the daemon never reach the
        // service, and a stop can signal the whole group.
        // argv[0] stays as the operator wrote it; only the lookup in PATH was done ahead.
        argv0: command,
        detached: true,
        ...(ids.uid !== undefined ? { uid: ids.uid } : {}),
        ...(ids.gid !== undefined ? { gid: ids.gid } : {}),
      });
    if (cgroupPath === null) {
      child = start();
    } else {
      const result = runInCgroup(cgroupPath, start);
      child = result.value;
      // The daemon could not move itself: place the child now (a fork in the first
      // microseconds of its life may escape; the run-id marker still finds it).
      if (!result.placed && child.pid !== undefined) placeInCgroup(cgroupPath, child.pid);
    }
  } finally {
    output.releaseChildStdio();
  }
  return new Promise((resolve, reject) => {
    if (child.pid !== undefined) {
      resolve({ child, pid: child.pid, runId });
      return;
    }
    // No pid: the spawn failed and Node reports why on the 'error' event, on a later tick.
    child.once("error", reject);
  });
}

/** uid/gid to drop to (as root), and the login variables a program run as that user expects. */
function resolveIds(config: ServiceConfig): { uid?: number; gid?: number; env: Record<string, string> } {
  const ids: { uid?: number; gid?: number; env: Record<string, string> } = { env: {} };
  if (config.user !== null) {
    const user = resolveUser(config.user);
    ids.uid = user.uid;
    ids.gid = user.gid;
    ids.env = { HOME: user.home, USER: config.user, LOGNAME: config.user };
  }
  if (config.group !== null) ids.gid = resolveGroup(config.group).gid;
  return ids;
}
