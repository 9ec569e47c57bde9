/**
 * The stop command of a forking or external service (`stop: [apachectl, stop]`). It runs
 * beside the service, its output in the service's log, but outside the service's cgroup: the
 * cleanup that follows the service's exit kills what is left in there, and must not cut a
 * stop command short that is still tidying up. It gets the stop timeout to finish; then its
 * own tree is killed. When it cannot run, or exits with a failure, the caller's fallback sends
 * the stop signal at once rather than leaving the service up until the stop timeout's SIGKILL.
 */
import type { ServiceConfig } from "../config/model.js";
import { killTreeAndWait } from "../identity/kill-tree.js";
import { readProcStat } from "../identity/proc-stat.js";
import type { ServiceOutput } from "./output.js";
import { spawnService, type ExitStatus } from "./spawn.js";
import { spawnedSelector } from "./tree-effects.js";

/** "exited with code 3", "was killed by SIGTERM". */
export function describeExitStatus({ code, signal }: ExitStatus): string {
  return signal !== null ? `was killed by ${signal}` : `exited with code ${code ?? "?"}`;
}

/**
 * Runs the stop command; `fallBack(why)` is awaited when it cannot be spawned and called when
 * it fails later. A fault in that later call goes to `onFault`: it runs outside the runner's
 * queue, where nothing else would catch it.
 */
export async function runStopCommand(
  config: ServiceConfig,
  output: ServiceOutput,
  fallBack: (why: string) => Promise<void>,
  onFault: (err: unknown) => void,
): Promise<void> {
  let stopper;
  try {
    stopper = await spawnService({ ...config, command: config.stopCommand ?? [] }, output, null, {
      announce: (pid) => `ran stop command, PID ${pid}`,
      commandKey: "stop",
    });
  } catch (err) {
    return fallBack(`failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  const { pid } = stopper;
  const startTime = readProcStat(pid)?.startTime ?? 0;
  let finished = false;
  const overdue = setTimeout(() => {
    if (finished) return;
    output.marker(`stop command still running after ${config.stop.timeoutMs / 1000}s: killed it`);
    killTreeAndWait(spawnedSelector(stopper, startTime, null), 5_000).catch(onFault);
  }, config.stop.timeoutMs);
  overdue.unref();
  stopper.exited
    .then((status) => {
      finished = true;
      clearTimeout(overdue);
      return status.code === 0 && status.signal === null ? undefined : fallBack(describeExitStatus(status));
    })
    .catch(onFault);
}
