/**
 * The config's keys and defaults, in one place: validate*.ts read against these lists, diff.ts
 * classifies changes with them, and docs/config.md describes each of them.
 */
import type {
  BackoffConfig,
  HttpConfig,
  LogsConfig,
  ProbeKind,
  StartLimitConfig,
  StopConfig,
} from "./model.js";

export const TOP_LEVEL_KEYS = [
  "state_dir",
  "http",
  "socket_group",
  "events_kept",
  "incidents",
  "services",
  "notify",
] as const;
/** `events_kept`: how many of the newest events the store keeps (docs/store.md, "Bounded events"). */
export const DEFAULT_EVENTS_KEPT = 100_000;
/** Below this the timeline would not hold one busy minute; also what the tests use. */
export const MIN_EVENTS_KEPT = 1000;
/** At most this many events: about 2-3 GB of store at the sizes events have (docs/store.md). */
export const MAX_EVENTS_KEPT = 10_000_000;
/** `incidents: { keep, max_age }` or `false` (docs/incidents.md, "Retention"). */
export const INCIDENTS_KEYS = ["keep", "max_age"] as const;
/** Kept incidents: each is at most 64 KiB in the store, so 500 are at most ~32 MB. */
export const DEFAULT_INCIDENTS_KEEP = 500;
export const MAX_INCIDENTS_KEEP = 100_000;
export const DEFAULT_INCIDENTS_MAX_AGE_MS = 30 * 86_400_000;
/** Shorter than this and the incident of last night is gone by morning. */
export const MIN_INCIDENTS_MAX_AGE_MS = 3_600_000;

/**
 * Top-level keys of later capabilities: accepted and kept verbatim in Config.pending. None now
 * (`notify` is acted on); kept for the next capability whose keys arrive before their code.
 */
export const PENDING_TOP_LEVEL_KEYS: readonly string[] = [];

export const SERVICE_KEYS = [
  "command",
  "type",
  "cwd",
  "env",
  "env_file",
  "env_inherit",
  "user",
  "group",
  "restart",
  "backoff",
  "start_limit",
  "stop",
  "reload_signal",
  "reload",
  "logs",
  "listen",
  "pidfile",
  "match",
  "start",
  "start_timeout",
  "children",
  "health",
  "ready",
  "after",
  "requires",
  "on_required_failure",
  "condition",
  "limits",
  "instances",
  "notify",
] as const;

export const HTTP_KEYS = ["listen", "names"] as const;
export const BACKOFF_KEYS = ["initial", "max", "factor", "jitter", "reset_after"] as const;
export const START_LIMIT_KEYS = ["burst", "interval", "retry_after"] as const;
export const STOP_KEYS = ["signal", "timeout", "command"] as const;
export const RELOAD_KEYS = ["command", "timeout"] as const;
export const MATCH_KEYS = ["comm", "cmdline"] as const;
export const CHILD_KEYS = ["name", "count", "listen"] as const;

/** The probe kinds each section takes (one of them per section), and their other keys. */
export const READY_PROBE_KINDS: readonly ProbeKind[] = ["tcp", "http", "exec", "log", "notify"];
export const HEALTH_PROBE_KINDS: readonly ProbeKind[] = ["tcp", "http", "exec", "log"];
export const CONDITION_PROBE_KINDS: readonly ProbeKind[] = ["tcp", "http", "exec", "path"];
/** `body` is the http probe's optional regex, a sibling of its `http` key. */
export const READY_KEYS = [...READY_PROBE_KINDS, "body", "timeout", "interval"] as const;
export const HEALTH_KEYS = [...HEALTH_PROBE_KINDS, "body", "interval", "timeout", "failures", "restart_on"];
export const CONDITION_KEYS = [...CONDITION_PROBE_KINDS, "body", "every", "timeout"];
export const LIMITS_KEYS = ["memory", "cpu", "window"] as const;
/** The host of a tcp probe written as a port alone. */
export const DEFAULT_PROBE_HOST = "127.0.0.1";
export const DEFAULT_READY_TIMEOUT_MS = 30_000;
export const DEFAULT_READY_INTERVAL_MS = 250;
export const DEFAULT_HEALTH_INTERVAL_MS = 10_000;
export const DEFAULT_HEALTH_TIMEOUT_MS = 2_000;
export const DEFAULT_HEALTH_FAILURES = 3;
export const DEFAULT_CONDITION_EVERY_MS = 5_000;
export const DEFAULT_CONDITION_TIMEOUT_MS = 5_000;
export const DEFAULT_LIMITS_WINDOW_MS = 30_000;
/** Written in any string of a service with `instances`; replaced by the instance's name. */
export const INSTANCE_PLACEHOLDER = "{instance}";
export const DEFAULT_START_TIMEOUT_MS = 30_000;
export const LOGS_KEYS = ["max_size", "keep", "timestamps"] as const;

/** Service names: also file names (pids/NAME.pid, logs) and URL segments; '@' is kept for instances. */
export const SERVICE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export const DEFAULT_STATE_DIR_NAME = ".upkeep";
export const DEFAULT_HTTP: Readonly<HttpConfig> = { enabled: true, host: "127.0.0.1", port: 9900, names: [] };
export const DEFAULT_BACKOFF: Readonly<BackoffConfig> = {
  initialMs: 100,
  maxMs: 30_000,
  factor: 2,
  jitter: 0.2,
  resetAfterMs: 30_000,
};
export const DEFAULT_START_LIMIT: Readonly<StartLimitConfig> = {
  burst: 5,
  intervalMs: 60_000,
  retryAfterMs: null,
};
export const DEFAULT_STOP: Readonly<StopConfig> = { signal: "SIGTERM", timeoutMs: 10_000 };
/** How long a reload command may run (`reload.timeout`). */
export const DEFAULT_RELOAD_TIMEOUT_MS = 30_000;
export const DEFAULT_LOGS: Readonly<LogsConfig> = {
  maxSizeBytes: 10 * 1024 * 1024,
  keep: 5,
  timestamps: false,
};

/** The message of every note about a key of a later capability. */
export const NOT_YET_ACTED_ON = "accepted, not yet acted on in this version";
