/**
 * How long a daemon shutdown may take at worst: what the systemd unit's TimeoutStopSec= is made
 * of (`upkeep systemd-unit`) and what the stopping daemon asks systemd to wait for
 * (EXTEND_TIMEOUT_USEC, src/daemon/systemd-notify.ts). A shutdown stops each service after
 * the services that depend on it (supervisor/dependencies.ts, inStopOrder), independent ones
 * at once, so the worst case is the longest chain of dependents, each taking its whole stop.
 */
import type { ServiceConfig } from "./model.js";

/** After the stop timeout the tree is SIGKILLed and waited for this long (service/tree-effects.ts). */
export const KILL_WAIT_MS = 5_000;
/** The daemon's own work around the services' stops: the store, the FIFO holder, the socket. */
export const DAEMON_STOP_MARGIN_MS = 10_000;

/**
 * How long a stop of this service may take from the request: the stop timeout, and for
 * forking and external services also a start in progress, which the stop waits behind (at
 * most start_timeout).
 */
export function stopWaitMs(config: Pick<ServiceConfig, "type" | "stop" | "startTimeoutMs">): number {
  const { type, stop, startTimeoutMs } = config;
  return stop.timeoutMs + (type === "forking" || type === "external" ? startTimeoutMs : 0);
}

/**
 * The longest a shutdown of these services may take: the longest chain of dependents, each
 * taking its stop wait plus the SIGKILL wait, plus the daemon's own margin.
 */
export function worstShutdownMs(
  services: readonly Pick<ServiceConfig, "name" | "type" | "stop" | "startTimeoutMs" | "after">[],
): number {
  const memo = new Map<string, number>();
  const visiting = new Set<string>();
  const chainFrom = (svc: (typeof services)[number]): number => {
    const known = memo.get(svc.name);
    if (known !== undefined) return known;
    // Cycles are refused by config validation; one here would only mean "no longer chain".
    if (visiting.has(svc.name)) return 0;
    visiting.add(svc.name);
    let dependents = 0;
    for (const other of services) {
      if (other.after.includes(svc.name)) dependents = Math.max(dependents, chainFrom(other));
    }
    visiting.delete(svc.name);
    const total = stopWaitMs(svc) + KILL_WAIT_MS + dependents;
    memo.set(svc.name, total);
    return total;
  };
  let longest = 0;
  for (const svc of services) longest = Math.max(longest, chainFrom(svc));
  return longest + DAEMON_STOP_MARGIN_MS;
}
