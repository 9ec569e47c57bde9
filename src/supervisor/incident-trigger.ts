/**
 * Which handled machine events are incidents, decided from the event and the states around it
 * (pure: tested without a daemon). A crash is a main process that ended while starting or
 * running, unless it finished as its service is meant to (exit 0 into `exited`); a stop the
 * operator or a health verdict asked for is not. Restarts for health and limits are recorded at
 * the decision (running → stopping), with the verdict the watch published just before.
 */
import type { ServiceState, MachineEvent } from "../service/states.js";
import type { IncidentKind } from "../store/incident-record.js";

export interface IncidentTrigger {
  kind: IncidentKind;
  exitCode: number | null;
  signal: string | null;
  /** What went wrong, in the event's words (the spawn error, the verdict); null for a crash. */
  what: string | null;
}

/** The watch's verdict that led to a health_failed: a `limit` event, else `unhealthy`. */
export type WatchVerdict = "limit" | "unhealthy";

export function incidentTriggerOf(
  event: MachineEvent,
  before: ServiceState,
  after: ServiceState,
  verdict: WatchVerdict | null,
): IncidentTrigger | null {
  const none = { exitCode: null, signal: null };
  switch (event.type) {
    case "exited": {
      if (before !== "starting" && before !== "running") return null;
      const clean = event.statusKnown && event.code === 0 && event.signal === null;
      if (clean && after === "exited") return null; // finished, and not to be restarted
      return { kind: "crash", exitCode: event.code, signal: event.signal, what: null };
    }
    case "spawn_failed":
      return before === "starting" ? { kind: "failed_start", ...none, what: event.error } : null;
    case "not_ready":
      return before === "starting" ? { kind: "not_ready", ...none, what: event.reason } : null;
    case "health_failed":
      return before === "running" && after === "stopping"
        ? { kind: verdict ?? "unhealthy", ...none, what: event.reason }
        : null;
    // Requests, timers, readiness, adoption, gates and dependencies end no run unasked.
    case "start_requested":
    case "stop_requested":
    case "restart_requested":
    case "reset_requested":
    case "spawned":
    case "ready":
    case "timer_fired":
    case "adopted":
    case "gate_open":
    case "gate_blocked":
    case "dependency_lost":
      return null;
    default: {
      const never: never = event;
      throw new Error(`unhandled event ${JSON.stringify(never)}`);
    }
  }
}

/**
 * Whether this change began a new start attempt: entering `starting`, or a restart "now" that
 * stays in `starting` (a crash, failed spawn or readiness timeout while starting).
 */
export function beginsAttempt(event: MachineEvent, before: ServiceState, after: ServiceState): boolean {
  if (after !== "starting") return false;
  if (before !== "starting") return true;
  return event.type === "exited" || event.type === "spawn_failed" || event.type === "not_ready";
}
