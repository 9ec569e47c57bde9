import type { ServiceConfig } from "../config/model.js";
import type { ProbeOptions } from "../health/probe.js";
import { resolveIds } from "../service/spawn.js";

/**
 * How a probe of this service runs: an exec probe in the service's cwd, with its environment,
 * and as its user when the daemon is root (a check is no reason to keep root's rights).
 */
export function probeOptionsFor(config: ServiceConfig, timeoutMs: number, signal: AbortSignal): ProbeOptions {
  const asRoot = process.getuid?.() === 0;
  const ids = asRoot ? resolveIds(config) : { env: {} };
  return {
    timeoutMs,
    signal,
    cwd: config.cwd,
    env: { ...process.env, ...ids.env, ...config.env },
    ...("uid" in ids && ids.uid !== undefined ? { uid: ids.uid } : {}),
    ...("gid" in ids && ids.gid !== undefined ? { gid: ids.gid } : {}),
  };
}
