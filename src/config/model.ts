import type { NotifyConfig, NotifyOverride } from "./notify-model.js";

/**
 * The validated, resolved config: what the rest of upkeep consumes. Wire words (YAML keys) are
 * snake_case and mapped to these camelCase fields once, in validate.ts. Durations are
 * milliseconds, sizes bytes, paths absolute (resolved against the config file's folder).
 */

export const SERVICE_TYPES = ["simple", "oneshot", "forking", "external", "notify"] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];

export const RESTART_POLICIES = ["always", "on-failure", "no"] as const;
export type RestartPolicy = (typeof RESTART_POLICIES)[number];

export interface BackoffConfig {
  initialMs: number; // default 100
  maxMs: number; // default 30000
  factor: number; // default 2
  jitter: number; // 0..1, default 0.2
  resetAfterMs: number; // default 30000: uptime after which the backoff step resets (attempts age out of start_limit's window)
}

export interface StartLimitConfig {
  burst: number; // default 5 attempts ...
  intervalMs: number; // ... within 60000 ms
  retryAfterMs: number | null; // optional cool-down after which a failed service tries again
}

export interface StopConfig {
  signal: NodeJS.Signals; // default SIGTERM
  timeoutMs: number; // default 10000, then SIGKILL to the whole tree
}

/** `reload: { command, timeout }`: how the service reloads by a command (exit 0 = reloaded). */
export interface ReloadConfig {
  /** argv, never run by a shell; $MAINPID in its environment names the service's main process. */
  command: string[];
  /** The command must end within this (default 30 s), or the reload failed and its tree is killed. */
  timeoutMs: number;
}

export interface LogsConfig {
  maxSizeBytes: number; // default 10 MiB per stream file
  keep: number; // default 5 rotated files per stream
  timestamps: boolean; // default false: whether `upkeep logs` shows timestamps by default
}

/** How an external service's process is found when no pidfile names it (SPEC §2 `match`). */
export interface MatchConfig {
  /** The kernel's process name (/proc/PID/comm, at most 15 characters), compared exactly. */
  comm: string | null;
  /** A regular expression (JavaScript syntax) tried against the command line, arguments joined by spaces. */
  cmdline: string | null;
}

/** A process the service's tree must contain (SPEC §2 `children`). */
export interface ChildSpec {
  /** Matched against a tree member's comm, its argv[0]'s base name, or its whole command line. */
  name: string;
  /** At least this many such processes (default 1). */
  count: number;
  /** TCP ports a process of this name must hold in LISTEN. */
  listen: number[];
}

/** What a watched expectation may trigger a restart for (`health.restart_on`). */
export const RESTART_ON_KINDS = ["ports", "children", "probe"] as const;
export type RestartOnKind = (typeof RESTART_ON_KINDS)[number];

/**
 * One check of a probe (SPEC §2 `ready`, `health`, `condition`). Which kinds a section accepts:
 * ready: tcp, http, exec, log, notify; health: tcp, http, exec, log; condition: tcp, http, exec, path.
 */
export type ProbeSpec =
  /** A TCP connect to host:port succeeds (host defaults to 127.0.0.1). */
  | { kind: "tcp"; host: string; port: number }
  /** A GET answers with a 2xx status and, when `body` is set, a body matching that regex. */
  | { kind: "http"; url: string; body: string | null }
  /** The command (argv, never a shell) exits with 0 within the timeout. */
  | { kind: "exec"; command: string[] }
  /** ready: a line of the service's output matches; health: one did within the interval. */
  | { kind: "log"; pattern: string }
  /** The service sends READY=1 to $NOTIFY_SOCKET (the sd_notify protocol). */
  | { kind: "notify" }
  /** condition only: the path exists. */
  | { kind: "path"; path: string };
export type ProbeKind = ProbeSpec["kind"];

export interface ReadyConfig {
  probe: ProbeSpec;
  /** The service must be ready this long after its spawn, or the start failed (default 30 s). */
  timeoutMs: number;
  /** tcp, http, exec: how often the probe is tried while starting (default 250 ms). */
  intervalMs: number;
}

export interface HealthProbeConfig {
  probe: ProbeSpec;
  intervalMs: number; // default 10 s
  timeoutMs: number; // default 2 s: one probe that takes longer failed
  failures: number; // default 3 failures in a row make the service unhealthy
}

export interface ConditionConfig {
  probe: ProbeSpec;
  /** How often a condition that does not hold is tried again (default 5 s). */
  everyMs: number;
  /** One check that takes longer did not hold (default 5 s): a peer that does not answer. */
  timeoutMs: number;
}

export interface LimitsConfig {
  /** RSS of the whole tree, bytes. */
  memoryBytes: number | null;
  /** CPU of the whole tree, percent of one core (150 = one and a half cores). */
  cpuPercent: number | null;
  /** How long an excess must last before the restart (default 30 s). */
  windowMs: number;
}

/** When a service this one `requires` is failed or stopped: keep this one running, or stop it too. */
export const REQUIRED_FAILURE_POLICIES = ["keep", "stop"] as const;
export type RequiredFailurePolicy = (typeof REQUIRED_FAILURE_POLICIES)[number];

/**
 * `services.web.user`: a key of the service's section as the config file spells it (instances
 * `web@a` share their service's keys), for run-time reasons that name the key to fix.
 */
export function serviceKeyPath(service: Pick<ServiceConfig, "name" | "instanceOf">, key: string): string {
  return `services.${service.instanceOf ?? service.name}.${key}`;
}

export interface ServiceConfig {
  name: string;
  type: ServiceType;
  /** argv; a string command was split like a shell would, never run by a shell. */
  command: string[];
  cwd: string; // absolute; default: the config file's folder
  env: Record<string, string>; // env_file entries first, then env (env wins)
  envFile: string | null;
  /**
   * `env_inherit` (default true): the service gets the daemon's environment, less what a service
   * manager set for the daemon's own unit; false: only PATH, LANG, HOME, USER, LOGNAME, SHELL
   * (src/service/service-env.ts).
   */
  envInherit: boolean;
  user: string | null;
  group: string | null;
  restart: RestartPolicy; // default always
  backoff: BackoffConfig;
  startLimit: StartLimitConfig;
  stop: StopConfig;
  /** Sent by `upkeep reload`; null (the default) when the program's reload signal is not declared. */
  reloadSignal: NodeJS.Signals | null;
  /** `reload: { command, timeout }`: the command `upkeep reload` runs (systemd's ExecReload); null when not set. */
  reload: ReloadConfig | null;
  logs: LogsConfig;
  /** TCP ports the service's tree must hold in LISTEN; checked free before each start. */
  listen: number[];
  /** forking: where the daemon writes its main PID; external: one way to find the process. */
  pidfile: string | null;
  /** external: find the process by name or command line (when no pidfile names it). */
  match: MatchConfig | null;
  /** external: the command that starts the service (`start`). */
  startCommand: string[] | null;
  /** forking, external: a command that stops the service (the command form of `stop`). */
  stopCommand: string[] | null;
  /** forking, external: how long a start may take until the main process is found (`start_timeout`, default 30 s). */
  startTimeoutMs: number;
  /** Processes the tree must contain. */
  children: ChildSpec[];
  /**
   * Which lost expectations (ports, children, the health probe) restart the service; empty:
   * only an `unhealthy` event. Default: [probe] when a health probe is set, else [].
   */
  restartOn: RestartOnKind[];
  /** Readiness: null means ready as soon as spawned (simple) or found (forking, external). */
  ready: ReadyConfig | null;
  /** The periodic health probe (`health:` with tcp, http, exec or log). */
  health: HealthProbeConfig | null;
  /** Start after these services are ready (all instances of an instanced name); stop before them. */
  after: string[];
  /** As after, and do not start while one of them is failed or stopped. Also listed in `after`. */
  requires: string[];
  /** `on_required_failure` (default keep). */
  onRequiredFailure: RequiredFailurePolicy;
  /** Checked before each start; the service stays `waiting` until it holds. */
  condition: ConditionConfig | null;
  limits: LimitsConfig | null;
  /** For `web@hostA`: the declared name `web` and the instance `hostA`; null otherwise. */
  instanceOf: string | null;
  instance: string | null;
  /**
   * Service keys of later capabilities, accepted and kept verbatim, reported by `config check`
   * as "accepted, not yet acted on". Every service key is acted on in this version, so it is
   * empty; kept for the next capability whose keys arrive before their code.
   */
  pending: Record<string, unknown>;
  /** The service's own `notify:` (docs/notify.md); null: the global section applies as it is. */
  notify: NotifyOverride | null;
  /** Where the service was declared, for messages. */
  source: { file: string; line: number; column: number };
}

export interface IncidentsConfig {
  enabled: boolean;
  keep: number;
  maxAgeMs: number;
}

export interface HttpConfig {
  enabled: boolean;
  host: string; // default 127.0.0.1
  port: number; // default 9900
  /** Host names the `Host` header may carry besides the listen address (a reverse proxy's name). */
  names: string[];
}

export interface Config {
  file: string; // absolute path of the config file
  /** sha256 (hex) of the text it was read from: tells whether a snapshot of it is still current. */
  digest?: string;
  stateDir: string; // absolute
  http: HttpConfig;
  socketGroup: string | null;
  /** How many of the newest events the store keeps (`events_kept`). */
  eventsKept: number;
  /** `incidents`: whether incidents are recorded, how many are kept and for how long. */
  incidents: IncidentsConfig;
  /** Services in declaration order. */
  services: ServiceConfig[];
  /** `notify:` (docs/notify.md); null when nobody is to be told. */
  notify: NotifyConfig | null;
  /** Top-level keys of later capabilities, kept verbatim (none in this version). */
  pending: Record<string, unknown>;
}

/** One problem found in a config file, with its position and what would be valid. */
export interface ConfigProblem {
  code:
    | "CONFIG_SYNTAX"
    | "CONFIG_UNKNOWN_KEY"
    | "CONFIG_WRONG_TYPE"
    | "CONFIG_BAD_VALUE"
    | "CONFIG_MISSING_KEY"
    | "CONFIG_NOT_FOUND";
  file: string;
  line: number; // 1-based
  column: number; // 1-based
  keyPath: string; // e.g. services.web.backoff.initial
  message: string; // what is wrong, e.g. "unknown key 'comand'"
  expected: string; // what would be valid, e.g. "one of: command, type, cwd, ..."
  got?: string;
}

/** A note that is not an error: e.g. a key accepted but not yet acted on. */
export interface ConfigNote {
  file: string;
  line: number;
  column: number;
  keyPath: string;
  message: string;
}
