/**
 * Incidents: what the daemon keeps about each unplanned end of a service's run (a crash, a
 * failed start, a readiness timeout, a restart for health or limits), with the evidence an
 * operator needs later: the last output lines, the process tree and its figures from the last
 * sample before the death, and a snapshot of the host (docs/incidents.md). Records only: who
 * takes them is src/supervisor/incident-recorder.ts.
 */

export const INCIDENT_KINDS = [
  "crash", // the main process ended unasked (exit code, signal, or status unknown)
  "failed_start", // the start could not run (spawn error, pidfile, port held, ...)
  "not_ready", // not ready within ready.timeout: a failed start, the process is removed
  "unhealthy", // restarted because health.restart_on names what failed (probe, child, port)
  "limit", // restarted because the tree stayed over its `limits` for the window
] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

/** One line of the output (or an upkeep lifecycle marker), as captured. */
export interface IncidentLine {
  /** Capture time, epoch ms. */
  ts: number;
  /** `out` / `err`: the service's streams; `upkeep`: a lifecycle marker or an output-loss note. */
  stream: "out" | "err" | "upkeep";
  /** The line without its newline, cut to MAX_INCIDENT_LINE_BYTES (then ending in "…"). */
  text: string;
}

/** One process of the service's tree as last sampled. */
export interface IncidentProcess {
  pid: number;
  ppid: number;
  comm: string;
  state: string;
  rssBytes: number;
  /** CPU since the previous sample of the same process, in % of one core; null without one. */
  cpuPercent: number | null;
  /** TCP/UDP ports it held in LISTEN, when the sample read them. */
  ports: number[];
}

/** The service's tree and figures from the last sample taken before the death. */
export interface IncidentSample {
  /** When it was taken, epoch ms. */
  at: number;
  /** Which watch took it: `tree` (children/listen), `limits`, `status` (a status or ps request). */
  source: "tree" | "limits" | "status";
  processes: IncidentProcess[];
  /** Processes of the tree left out of `processes` (more than MAX_SAMPLE_PROCESSES). */
  omitted: number;
  /** Whole-tree figures where the sampler measured them (limits: the cgroup's CPU). */
  rssBytes: number;
  cpuPercent: number | null;
}

/** A process in the host snapshot's top lists. */
export interface HostProcess {
  pid: number;
  user: string;
  comm: string;
  /** % of one core over the snapshot's interval. */
  cpuPercent: number;
  rssBytes: number;
}

/** Who was logged in (utmp USER_PROCESS entries). */
export interface LoggedInUser {
  user: string;
  line: string;
  host: string;
  /** Login time, epoch ms. */
  since: number;
}

/** The host at the time of the incident, read from /proc and utmp only (no ps, w, vmstat). */
export interface HostSnapshot {
  /** Epoch ms when the snapshot's second reading was taken. */
  at: number;
  /** The interval between its two readings (rates and CPU % are over it), ms. */
  intervalMs: number;
  /** /proc/loadavg: 1, 5, 15 minutes. */
  load: [number, number, number];
  memory: {
    totalBytes: number;
    availableBytes: number;
    freeBytes: number;
    buffersBytes: number;
    cachedBytes: number;
    swapTotalBytes: number;
    swapFreeBytes: number;
  };
  /** vmstat-like figures: procs now, then rates per second over the interval. */
  vmstat: {
    running: number;
    blocked: number;
    contextSwitchesPerSec: number;
    interruptsPerSec: number;
    swapInPagesPerSec: number;
    swapOutPagesPerSec: number;
    pageFaultsPerSec: number;
    majorFaultsPerSec: number;
    /** CPU time of the whole host over the interval, in % of all cores. */
    cpu: { user: number; system: number; idle: number; iowait: number; steal: number };
  };
  topCpu: HostProcess[];
  topMemory: HostProcess[];
  /** Processes read; `scanCapped`: /proc held more than the snapshot reads. */
  processesScanned: number;
  scanCapped: boolean;
  users: LoggedInUser[];
  /** Why a part is missing (utmp absent, a /proc file unreadable); empty when whole. */
  notes: string[];
  /** What the snapshot cost: wall time from start to end, ms (docs/incidents.md). */
  tookMs: number;
}

export interface NewIncident {
  /** Epoch ms of the death (or the restart decision). */
  ts: number;
  service: string;
  kind: IncidentKind;
  /** One line for tables and messages: what happened, the exit status, how long it ran. */
  summary: string;
  /** The process that ended (or was restarted); null for a start that never spawned one. */
  pid: number | null;
  exitCode: number | null;
  signal: string | null;
  /** How long the run lasted, from its start to its end; null when no process ran. */
  durationMs: number | null;
  /** The machine's reason, as in the event timeline. */
  reason: string;
  /** The last output lines of the run, both streams in capture order, markers included. */
  output: IncidentLine[];
  /** Why output is short or missing (no output yet, the log could not be read); null when whole. */
  outputNote: string | null;
  sample: IncidentSample | null;
  /** Why `sample` is null, when it is. */
  sampleNote: string | null;
  host: HostSnapshot | null;
  /** Incidents of this service not recorded since the previous one (more than one per second). */
  suppressed: number;
  /** The watch event that decided a restart (unhealthy, limit): its details, else {}. */
  details: Record<string, unknown>;
}

export interface IncidentRecord extends NewIncident {
  id: number;
  hostId: string;
}

/** What listings show: no output, tree or snapshot. */
export type IncidentSummary = Pick<IncidentRecord, "id" | "hostId" | "ts" | "service" | "kind" | "summary">;

export interface IncidentQuery {
  /** Exact name, or a prefix ending in "@" for all instances. */
  service?: string;
  /** The newest `limit`, returned oldest first. */
  limit?: number;
}

/** How many incidents are kept, and for how long (`incidents:` in the config). */
export interface IncidentRetention {
  keep: number;
  maxAgeMs: number;
}

/** Defaults of `incidents:` (src/config/schema.ts repeats them for the config). */
export const DEFAULT_INCIDENT_RETENTION: Readonly<IncidentRetention> = {
  keep: 500,
  maxAgeMs: 30 * 86_400_000,
};

/** The longest output line kept in an incident, in bytes of UTF-8. */
export const MAX_INCIDENT_LINE_BYTES = 512;
/** Output lines per incident. */
export const INCIDENT_OUTPUT_LINES = 100;
/** Processes of the tree kept in a sample. */
export const MAX_SAMPLE_PROCESSES = 64;
