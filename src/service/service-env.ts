/**
 * The environment a service's process gets (docs/config.md, "The environment of a service"),
 * from the lowest precedence to the highest:
 *
 *   1. the base: the daemon's own environment without what a service manager set for the
 *      daemon itself (SERVICE_MANAGER_VARIABLES); with `env_inherit: false`, only PATH, LANG,
 *      HOME, USER, LOGNAME and SHELL;
 *   2. with `user:`, that user's HOME, USER, LOGNAME and SHELL;
 *   3. `env_file`, then `env` (ServiceConfig.env holds both, env winning), then what upkeep
 *      adds for the start (NOTIFY_SOCKET of a notify service, merged into it by the runner);
 *   4. upkeep's own markers, which nothing overrides: UPKEEP_SERVICE, UPKEEP_RUN_ID and
 *      UPKEEP_STATE_ID (the proof that a process is this daemon's, main-process.ts).
 */
import { userInfo } from "node:os";
import type { ServiceConfig } from "../config/model.js";
import { STATE_ID_ENV } from "../config/state-dir-id.js";

/**
 * What systemd sets for the unit it runs (systemd.exec(5), "Environment Variables Set or
 * Propagated by the Service Manager"), beyond the generic login variables. They describe the
 * daemon's own unit: a service that saw NOTIFY_SOCKET would report readiness to systemd as if
 * it were upkeep, LISTEN_FDS would make it look for sockets that are not there, and
 * INVOCATION_ID or JOURNAL_STREAM would tie its output to the wrong unit.
 */
export const SERVICE_MANAGER_VARIABLES: ReadonlySet<string> = new Set([
  "NOTIFY_SOCKET",
  "LISTEN_FDS",
  "LISTEN_PID",
  "LISTEN_FDNAMES",
  "INVOCATION_ID",
  "DEBUG_INVOCATION",
  "JOURNAL_STREAM",
  "LOG_NAMESPACE",
  "WATCHDOG_USEC",
  "WATCHDOG_PID",
  "MAINPID",
  "MANAGERPID",
  "SYSTEMD_EXEC_PID",
  "RUNTIME_DIRECTORY",
  "STATE_DIRECTORY",
  "CACHE_DIRECTORY",
  "LOGS_DIRECTORY",
  "CONFIGURATION_DIRECTORY",
  "CREDENTIALS_DIRECTORY",
  "MEMORY_PRESSURE_WATCH",
  "MEMORY_PRESSURE_WRITE",
  "SERVICE_RESULT",
  "EXIT_CODE",
  "EXIT_STATUS",
  "PIDFILE",
  "FDSTORE",
  "REMOTE_ADDR",
  "REMOTE_PORT",
]);
/** Prefixes of the same: TRIGGER_UNIT, TRIGGER_PATH, TRIGGER_TIMER_*; MONITOR_UNIT, MONITOR_EXIT_CODE, ... */
const SERVICE_MANAGER_PREFIXES = ["TRIGGER_", "MONITOR_"];

/** Taken from the daemon's environment with `env_inherit: false`. */
export const MINIMAL_BASE_VARIABLES = ["PATH", "LANG", "HOME", "USER", "LOGNAME", "SHELL"] as const;
/** PATH when the daemon has none (that of systemd for its services). */
export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** True for a variable a service manager set for the daemon's own unit. */
export function isServiceManagerVariable(name: string): boolean {
  return SERVICE_MANAGER_VARIABLES.has(name) || SERVICE_MANAGER_PREFIXES.some((p) => name.startsWith(p));
}

const filteredCopies = new WeakMap<object, Readonly<Record<string, string>>>();

/** Layer 1: what the service inherits from the daemon. */
export function inheritedEnv(
  config: Pick<ServiceConfig, "envInherit">,
  daemonEnv: Readonly<Record<string, string | undefined>> = process.env,
): Readonly<Record<string, string>> {
  if (config.envInherit) {
    const known = filteredCopies.get(daemonEnv);
    if (known !== undefined) return known;
    const base: Record<string, string> = {};
    for (const [name, value] of Object.entries(daemonEnv)) {
      if (value !== undefined && !isServiceManagerVariable(name)) base[name] = value;
    }
    // The daemon's copy (core/daemon-env.ts) is frozen and replaced at each change: filtered
    // once per copy, not at each of a cold start's spawns.
    if (Object.isFrozen(daemonEnv)) filteredCopies.set(daemonEnv, Object.freeze(base));
    return base;
  }
  const base: Record<string, string> = {};
  for (const name of MINIMAL_BASE_VARIABLES) {
    const value = daemonEnv[name];
    if (value !== undefined) base[name] = value;
  }
  base["PATH"] ??= DEFAULT_PATH;
  if (base["HOME"] === undefined || base["USER"] === undefined) Object.assign(base, daemonUser(base));
  return base;
}

/** The daemon's user for HOME, USER, LOGNAME, SHELL missing from its environment. */
function daemonUser(base: Record<string, string>): Record<string, string> {
  let me: { homedir: string; username: string; shell: string | null };
  try {
    me = userInfo();
  } catch {
    return {}; // a uid without a passwd entry (a container): the variables stay unset
  }
  const shell = base["SHELL"] ?? me.shell;
  return {
    HOME: base["HOME"] ?? me.homedir,
    USER: base["USER"] ?? me.username,
    LOGNAME: base["LOGNAME"] ?? me.username,
    ...(shell ? { SHELL: shell } : {}),
  };
}

/**
 * Layers 1 to 3 and UPKEEP_STATE_ID: the environment of everything run for the service (its
 * command, `start`, `stop.command`, exec probes). `userEnv` is layer 2 (resolveIds).
 */
export function serviceEnv(
  config: Pick<ServiceConfig, "envInherit" | "env">,
  userEnv: Record<string, string>,
  daemonEnv: Readonly<Record<string, string | undefined>> = process.env,
): Record<string, string> {
  const env = { ...inheritedEnv(config, daemonEnv), ...userEnv, ...config.env };
  const stateId = daemonEnv[STATE_ID_ENV];
  if (stateId !== undefined) env[STATE_ID_ENV] = stateId;
  return env;
}
