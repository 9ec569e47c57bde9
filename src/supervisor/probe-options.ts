import type { ServiceConfig } from "../config/model.js";
import { daemonEnv } from "../core/daemon-env.js";
import type { OneShotProbeSpec, ProbeOptions } from "../health/probe.js";
import { serviceEnv } from "../service/service-env.js";
import { resolveIds } from "../service/spawn.js";

/**
 * How one probe of this service runs. An exec probe runs in the service's cwd, with its
 * environment, and as its user when the daemon is root (a check is no reason to keep root's
 * rights); the other kinds need nothing but the timeout.
 */
export function probeOptionsFor(
  config: ServiceConfig,
  probe: OneShotProbeSpec,
  timeoutMs: number,
  signal: AbortSignal,
): ProbeOptions {
  if (probe.kind !== "exec") return { timeoutMs, signal };
  const ids = process.getuid?.() === 0 ? resolveIds(config) : { env: {} };
  return {
    timeoutMs,
    signal,
    cwd: config.cwd,
    env: serviceEnv(config, ids.env, daemonEnv()),
    ...("uid" in ids && ids.uid !== undefined ? { uid: ids.uid } : {}),
    ...("gid" in ids && ids.gid !== undefined ? { gid: ids.gid } : {}),
  };
}
