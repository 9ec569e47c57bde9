/**
 * JSON shapes of the API under /api/v1 (SPEC §4, §7): the one contract between the daemon,
 * the CLI (over the UNIX socket) and the dashboard (over HTTP). snake_case, as on the wire.
 */

import type { ConfigPlan } from "../config/diff.js";
import type { ChannelResult } from "../notify/channel-result.js";
import type { ServiceState } from "../service/states.js";
export { SERVICE_STATES, type ServiceState } from "../service/states.js";

export const ACTIONS = ["start", "stop", "restart", "reload", "reset"] as const;
export type Action = (typeof ACTIONS)[number];

export interface ServiceStatusJson {
  name: string;
  type: string;
  state: ServiceState;
  desired: "up" | "down";
  pid: number | null;
  /** ISO time of the last state change. */
  since: string;
  uptime_ms: number | null; // while running
  restarts: number;
  exit_code: number | null;
  signal: string | null;
  ports: number[];
  children: { pid: number; name: string }[];
  rss_bytes: number | null;
  cpu_percent: number | null;
  log_file: { out: string; err: string };
  reason: string;
  /** When a restart is scheduled (backoff) or a failed service retries (retry_after). */
  next_attempt_at: string | null;
  /** The health probe as last seen while running; null without a probe or before its first try. */
  health: HealthJson | null;
  /** For an instance (`web@hostA`): its declared name (`web`); null otherwise. */
  instance_of: string | null;
  /** The last `STATUS=` a notify service's main process sent ("Ready to accept connections"). */
  notify_status: string | null;
  /**
   * Whether its process runs the config the daemon has: `current`; `outdated` (a
   * process-shaping key changed since it started: `reload-config` restarts it); `unknown` (an
   * older upkeep started it without recording its config); null while no process is recorded.
   */
  started_with: "current" | "outdated" | "unknown" | null;
  /** For outdated and unknown: which keys, and the command that applies the config; else null. */
  started_with_note: string | null;
}

export interface HealthJson {
  /** The probe in a few words: `http http://127.0.0.1:8080/healthz`. */
  probe: string;
  /** Failures in a row (0 after a pass) and how many make the service unhealthy. */
  failures: number;
  threshold: number;
  /** failures ≥ threshold. */
  failing: boolean;
  /** The last try's detail. */
  last: string;
}

export interface DaemonStatusJson {
  pid: number;
  version: string;
  started_at: string;
  state_dir: string;
  config_file: string;
  host_id: string;
  boot_id: string;
  /** What happened to the state store's files under the daemon (deleted, replaced), or null. */
  store_problem: string | null;
  /** Whether the state store takes writes (docs/store.md, "A full disk"). */
  store: StoreStatusJson;
}

export interface StoreStatusJson {
  ok: boolean;
  /** "store full" or "store unwritable: <errno>"; null while ok. */
  problem: string | null;
  /** The fix ("free space on the file system holding <dir>"); null while ok. */
  hint: string | null;
  /** Events, service records and process records waiting in memory to be written. */
  pending_writes: number;
  /** Of those, process records: lost with the daemon if it died now. */
  pending_process_records: number;
  /** Events dropped because too many waited. */
  lost_events: number;
  /** ISO time of the first failed write; null while ok. */
  since: string | null;
}

export interface StatusJson {
  daemon: DaemonStatusJson;
  services: ServiceStatusJson[];
}

export interface ActionRequestJson {
  action: Action;
  names?: string[]; // "web" selects every instance web@*
  all?: boolean;
  force?: boolean;
}

export interface ActionResultJson {
  name: string;
  ok: boolean;
  state: ServiceState;
  pid: number | null;
  message: string; // e.g. "web started (PID 1234)" or why it failed
  hint?: string;
}

export interface ActionResponseJson {
  results: ActionResultJson[];
}

export interface EventJson {
  id: number;
  ts: string; // ISO
  service: string | null;
  kind: string;
  from: string | null;
  to: string | null;
  reason: string;
  details: Record<string, unknown>;
}

/** The plan of a config reload: the same shape as config/diff.ts makes it, snake_case already. */
// `unverified` may be absent: a CLI upgraded before its daemon was restarted reads an older answer.
export type ConfigPlanJson = Omit<ConfigPlan, "unverified"> & { unverified?: string[] };

export interface ReloadConfigResponseJson {
  plan: ConfigPlanJson;
  applied: boolean;
}

export interface ErrorJson {
  error: { code: string; message: string; hint?: string; details?: Record<string, unknown> };
}

/** A socket a process listens on: TCP in LISTEN, a bound UDP socket, or a UNIX socket. */
export type ListenJson =
  | { protocol: "tcp" | "tcp6" | "udp" | "udp6"; address: string; port: number }
  | { protocol: "unix"; path: string };

/** One process of a service's tree (`upkeep ps`), with the processes it started. */
export interface ProcessJson {
  pid: number;
  ppid: number;
  /** The kernel's command name (comm, at most 15 bytes). */
  name: string;
  /** The kernel's one-letter state: R running, S sleeping, D disk wait, T stopped, Z zombie. */
  state: string;
  /** The command line, or [] when it cannot be read (a zombie, another user's process). */
  cmdline: string[];
  listening: ListenJson[];
  children: ProcessJson[];
}

/** GET /api/v1/services/NAME/tree */
export interface ServiceTreeJson {
  name: string;
  state: ServiceState;
  /** The main process, as recorded; null when none runs. */
  pid: number | null;
  /** The tree's roots: the main process first, then members whose parent is outside the tree
   *  (a daemon's worker that was re-parented after its parent died, for instance). */
  processes: ProcessJson[];
}

/** One channel's answer to POST /api/v1/notify/test (declared beside the code that makes it). */
export type NotifyChannelResultJson = ChannelResult;

/** POST /api/v1/notify/test */
export interface NotifyTestResponseJson {
  service: string | null;
  results: NotifyChannelResultJson[];
}

/** GET /api/v1/notify/outbox: notifications waiting to be delivered. */
export interface NotifyOutboxJson {
  pending: {
    id: string;
    channel: string;
    service: string | null;
    kind: string;
    created_at: string;
    attempts: number;
    next_at: string;
    last_error: string | null;
  }[];
}

/** One incident in a listing (GET /api/v1/incidents). */
export interface IncidentSummaryJson {
  id: number;
  /** ISO time of the death (or of the restart decision). */
  ts: string;
  service: string;
  kind: "crash" | "failed_start" | "not_ready" | "unhealthy" | "limit";
  summary: string;
}

/** One incident whole (GET /api/v1/incidents/ID); docs/incidents.md describes each field. */
export interface IncidentJson extends IncidentSummaryJson {
  pid: number | null;
  exit_code: number | null;
  signal: string | null;
  duration_ms: number | null;
  reason: string;
  output: { ts: string; stream: "out" | "err" | "upkeep"; text: string }[];
  output_note: string | null;
  sample: IncidentSampleJson | null;
  sample_note: string | null;
  host: HostSnapshotJson | null;
  suppressed: number;
  details: Record<string, unknown>;
}

export interface IncidentSampleJson {
  at: string;
  source: "tree" | "limits" | "status";
  processes: {
    pid: number;
    ppid: number;
    comm: string;
    state: string;
    rss_bytes: number;
    cpu_percent: number | null;
    ports: number[];
  }[];
  omitted: number;
  rss_bytes: number;
  cpu_percent: number | null;
}

export interface HostProcessJson {
  pid: number;
  user: string;
  comm: string;
  cpu_percent: number;
  rss_bytes: number;
}

export interface HostSnapshotJson {
  at: string;
  interval_ms: number;
  load: [number, number, number];
  memory: {
    total_bytes: number;
    available_bytes: number;
    free_bytes: number;
    buffers_bytes: number;
    cached_bytes: number;
    swap_total_bytes: number;
    swap_free_bytes: number;
  };
  vmstat: {
    running: number;
    blocked: number;
    context_switches_per_sec: number;
    interrupts_per_sec: number;
    swap_in_pages_per_sec: number;
    swap_out_pages_per_sec: number;
    page_faults_per_sec: number;
    major_faults_per_sec: number;
    cpu: { user: number; system: number; idle: number; iowait: number; steal: number };
  };
  top_cpu: HostProcessJson[];
  top_memory: HostProcessJson[];
  processes_scanned: number;
  scan_capped: boolean;
  users: { user: string; line: string; host: string; since: string }[];
  notes: string[];
  took_ms: number;
}
