/**
 * The reload command of a service (`reload: { command: [...] }`, systemd's ExecReload). It runs
 * like the stop command (stop-command.ts): with the service's user, cwd and environment, its
 * output in the service's log, outside the service's cgroup (it is not a member of the service's
 * tree, and the watch of declared children must not count it). As in systemd, $MAINPID names
 * the service's main process: in the command's environment, and in its arguments, where
 * `$MAINPID` and `${MAINPID}` are replaced (no other expansion: no shell runs it), so
 * `[kill, -USR2, $MAINPID]` is a reload command as `ExecReload=kill -USR2 $MAINPID` is.
 * Exit 0 is a reload; another exit, a spawn failure or the timeout (its tree is then killed)
 * is a failed reload.
 */
import type { ReloadConfig, ServiceConfig } from "../config/model.js";
import { formatDuration } from "../core/duration.js";
import { killTreeAndWait } from "../identity/kill-tree.js";
import { readProcStat } from "../identity/proc-stat.js";
import type { ServiceOutput } from "./output.js";
import { spawnService, type ExitStatus } from "./spawn.js";
import { describeExitStatus } from "./stop-command.js";
import { spawnedSelector } from "./tree-effects.js";

/** How long the kill of an overdue reload command may take. */
const KILL_WAIT_MS = 5_000;

/** `$MAINPID` or `${MAINPID}` in an argument (not followed by more of a name: `$MAINPIDX` stays). */
const MAINPID_WORD = /\$(?:\{MAINPID\}|MAINPID(?![A-Za-z0-9_]))/g;

export type ReloadCommandResult = { ok: true; pid: number } | { ok: false; why: string };

/** Runs the reload command to its end (or its timeout) and says how it went. */
export async function runReloadCommand(
  config: ServiceConfig,
  reload: ReloadConfig,
  mainPid: number,
  output: ServiceOutput,
): Promise<ReloadCommandResult> {
  const env = { ...config.env, MAINPID: String(mainPid) };
  const command = reload.command.map((word) => word.replace(MAINPID_WORD, String(mainPid)));
  let spawned;
  try {
    spawned = await spawnService({ ...config, command, env }, output, null, {
      announce: (pid) => `ran reload command, PID ${pid}`,
      commandKey: "reload.command",
    });
  } catch (err) {
    return {
      ok: false,
      why: `the reload command could not run: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  const startTime = readProcStat(spawned.pid)?.startTime ?? 0;
  let timer: NodeJS.Timeout | undefined;
  const overdue = new Promise<"overdue">((resolve) => {
    timer = setTimeout(() => resolve("overdue"), reload.timeoutMs);
  });
  const status: ExitStatus | "overdue" = await Promise.race([spawned.exited, overdue]);
  clearTimeout(timer);
  if (status === "overdue") {
    const limit = formatDuration(reload.timeoutMs);
    output.marker(`reload command still running after ${limit}: killed it`);
    await killTreeAndWait(spawnedSelector(spawned, startTime, null), KILL_WAIT_MS);
    return {
      ok: false,
      why: `the reload command did not finish within reload.timeout (${limit}); it was killed`,
    };
  }
  if (status.code === 0 && status.signal === null) return { ok: true, pid: spawned.pid };
  return { ok: false, why: `the reload command ${describeExitStatus(status)}` };
}
