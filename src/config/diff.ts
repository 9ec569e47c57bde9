/**
 * The plan for applying a new config to a running daemon (`reload-config`, SIGHUP): which
 * services to add, remove, restart (a key the running process was started with changed) or
 * update live (a key upkeep applies itself), with the snake_case key paths that changed.
 */
import { checkKeys } from "./diff-checks.js";
import type { Config, ServiceConfig } from "./model.js";
import { changedShapingKeys } from "./process-shape.js";
import { changedOf, sameData, type Pairs } from "./same-data.js";

export { sameData } from "./same-data.js";

export interface ConfigPlan {
  /** New services, in the new config's order. */
  add: string[];
  /** Services no longer in the config, in the old config's order. */
  remove: string[];
  /** A key the process was started with changed (command, type, cwd, env, env_file, env_inherit, user, group); `keys` lists every changed key. */
  restart: { name: string; keys: string[] }[];
  /**
   * Only keys upkeep applies without touching the process changed (restart, backoff,
   * start_limit, stop, reload_signal, reload, logs, the tree's expectations, ready, health, after,
   * requires, on_required_failure, condition, limits, pending keys).
   */
  live: { name: string; keys: string[] }[];
  /** Services with no change at all. */
  unchanged: string[];
  /** Daemon-level keys that changed: state_dir, http / http.listen, socket_group, events_kept, incidents, notify. */
  daemon: { keys: string[] };
  /**
   * Running services whose process was started by an upkeep that did not record its config
   * (src/config/process-shape.ts): whether they run this config is unknown. A note only: each
   * is also in one of the lists above, and is not restarted for it.
   */
  unverified: string[];
}

function changedKeysOfMap(prefix: string, a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const names = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return names.filter((name) => !sameData(a[name], b[name])).map((name) => `${prefix}${name}`);
}

/** Changed keys that need the process restarted to take effect (process-shape.ts names them). */
function restartKeys(a: ServiceConfig, b: ServiceConfig): string[] {
  return changedShapingKeys(a, b, sameData);
}

/** Changed keys that upkeep applies to a running service without restarting it. */
function liveKeys(a: ServiceConfig, b: ServiceConfig): string[] {
  const pairs: Pairs = [
    ["restart", a.restart, b.restart],
    ["backoff.initial", a.backoff.initialMs, b.backoff.initialMs],
    ["backoff.max", a.backoff.maxMs, b.backoff.maxMs],
    ["backoff.factor", a.backoff.factor, b.backoff.factor],
    ["backoff.jitter", a.backoff.jitter, b.backoff.jitter],
    ["backoff.reset_after", a.backoff.resetAfterMs, b.backoff.resetAfterMs],
    ["start_limit.burst", a.startLimit.burst, b.startLimit.burst],
    ["start_limit.interval", a.startLimit.intervalMs, b.startLimit.intervalMs],
    ["start_limit.retry_after", a.startLimit.retryAfterMs, b.startLimit.retryAfterMs],
    ["stop.signal", a.stop.signal, b.stop.signal],
    ["stop.timeout", a.stop.timeoutMs, b.stop.timeoutMs],
    ["reload_signal", a.reloadSignal, b.reloadSignal],
    ["reload.command", a.reload?.command ?? null, b.reload?.command ?? null],
    ["reload.timeout", a.reload?.timeoutMs ?? null, b.reload?.timeoutMs ?? null],
    ["logs.max_size", a.logs.maxSizeBytes, b.logs.maxSizeBytes],
    ["logs.keep", a.logs.keep, b.logs.keep],
    ["logs.timestamps", a.logs.timestamps, b.logs.timestamps],
    ["listen", a.listen, b.listen], // checked before the next start; the running process is left as it is
    ["children", a.children, b.children], // expectations: watched from now on
    ["health.restart_on", a.restartOn, b.restartOn],
    ["pidfile", a.pidfile, b.pidfile], // read at the next start
    ["match", a.match, b.match],
    ["start", a.startCommand, b.startCommand],
    ["stop.command", a.stopCommand, b.stopCommand],
    ["start_timeout", a.startTimeoutMs, b.startTimeoutMs],
    ["notify", a.notify, b.notify], // read for each message
  ];
  // Keys of later capabilities are not acted on yet, so changing them needs no restart.
  return [...changedOf(pairs), ...checkKeys(a, b), ...changedKeysOfMap("", a.pending, b.pending)];
}

function daemonKeys(a: Config, b: Config): string[] {
  const keys: string[] = [];
  if (a.stateDir !== b.stateDir) keys.push("state_dir");
  if (a.http.enabled !== b.http.enabled) keys.push("http");
  else if (a.http.host !== b.http.host || a.http.port !== b.http.port) keys.push("http.listen");
  else if (a.http.names.join("\n") !== b.http.names.join("\n")) keys.push("http.names");
  if (a.socketGroup !== b.socketGroup) keys.push("socket_group");
  if (a.eventsKept !== b.eventsKept) keys.push("events_kept");
  if (!sameData(a.notify, b.notify)) keys.push("notify");
  const [i, j] = [a.incidents, b.incidents];
  if (i.enabled !== j.enabled || i.keep !== j.keep || i.maxAgeMs !== j.maxAgeMs) keys.push("incidents");
  keys.push(...changedKeysOfMap("", a.pending, b.pending));
  return keys;
}

/** Compare two valid configs; every service lands in exactly one of add/remove/restart/live/unchanged. */
export function diffConfigs(previous: Config, next: Config): ConfigPlan {
  const before = new Map(previous.services.map((service) => [service.name, service]));
  const nextNames = new Set(next.services.map((service) => service.name));
  const plan: ConfigPlan = {
    add: [],
    remove: previous.services
      .filter((service) => !nextNames.has(service.name))
      .map((service) => service.name),
    restart: [],
    live: [],
    unchanged: [],
    daemon: { keys: daemonKeys(previous, next) },
    unverified: [],
  };
  for (const service of next.services) {
    const old = before.get(service.name);
    if (old === undefined) {
      plan.add.push(service.name);
      continue;
    }
    const needRestart = restartKeys(old, service);
    const live = liveKeys(old, service);
    if (needRestart.length > 0) plan.restart.push({ name: service.name, keys: [...needRestart, ...live] });
    else if (live.length > 0) plan.live.push({ name: service.name, keys: live });
    else plan.unchanged.push(service.name);
  }
  return plan;
}
