/**
 * The stop command of a forking or external service (`stop: [apachectl, stop]`). It runs
 * beside the service, its output in the service's log. When it cannot run, or exits with a
 * failure, the caller's fallback sends the stop signal at once rather than leaving the service
 * up until the stop timeout's SIGKILL.
 */
import type { ServiceConfig } from "../config/model.js";
import type { ServiceOutput } from "./output.js";
import { spawnService, type ExitStatus } from "./spawn.js";

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
  cgroupPath: string | null,
  fallBack: (why: string) => Promise<void>,
  onFault: (err: unknown) => void,
): Promise<void> {
  let stopper;
  try {
    stopper = await spawnService({ ...config, command: config.stopCommand ?? [] }, output, cgroupPath);
  } catch (err) {
    return fallBack(`failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  output.marker(`ran stop command, PID ${stopper.pid}`);
  stopper.exited
    .then((status) =>
      status.code === 0 && status.signal === null ? undefined : fallBack(describeExitStatus(status)),
    )
    .catch(onFault);
}
