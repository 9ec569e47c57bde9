/**
 * Which stored events are worth telling a person, and as which notify kind. Called for every
 * event the daemon publishes, on the restart path: a few comparisons, nothing more.
 */
import type { NotifyKind } from "../config/notify-model.js";
import type { EventRecord } from "../store/store.js";

/** States a service leaves when its process dies on its own (not by request). */
const LIVE: ReadonlySet<string> = new Set(["running", "starting"]);

/** The notify kind of an event, or null when it tells nobody anything. */
export function classifyEvent(event: EventRecord): NotifyKind | null {
  if (event.service === null) return null;
  switch (event.kind) {
    case "state":
      if (event.to === event.from) return null;
      if (event.to === "failed") return "failed";
      // With a zero backoff delay the machine restarts at once: running -> starting.
      if ((event.to === "backoff" || event.to === "starting") && event.from !== null && LIVE.has(event.from))
        return "crash";
      return null;
    case "unhealthy":
    case "recovered":
    case "stale":
    case "limit":
    case "reload_failed":
    case "log_dropped":
      return event.kind;
    case "spawn":
    case "exit":
    case "adopted":
    case "action":
    case "config":
    case "daemon":
    case "crash":
    case "failed":
    case "notify_failed":
    case "notify_dropped":
      // crash and failed are told from the state change that carries the restart decision;
      // a notifier's own trouble is an event, not a message (it could loop through itself).
      return null;
  }
}

/** True for the change that makes a service `running` (a crash story may end after it). */
export function isRunningAgain(event: EventRecord): boolean {
  return event.kind === "state" && event.to === "running" && event.from !== "running";
}

/** True for a change after which a running service is not running any more. */
export function leftRunning(event: EventRecord): boolean {
  return event.kind === "state" && event.from === "running" && event.to !== "running";
}
