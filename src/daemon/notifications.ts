/**
 * The daemon's notifications: a Notifier (src/notify/) fed by the supervisor's event bus, with
 * the store's outbox, so messages left by a daemon that died are sent by this one. Its events
 * (notify_failed, notify_dropped) go through the supervisor like any other.
 */
import { hostname } from "node:os";
import { Notifier, type NotifierDeps } from "../notify/notifier.js";
import type { SqliteStore } from "../store/sqlite/sqlite-store.js";
import type { Supervisor } from "../supervisor/supervisor.js";

export interface DaemonNotifications {
  notifier: Notifier;
  deps: NotifierDeps;
}

/** What the message tells of a service: its runner's view now. */
function factsOf(supervisor: Supervisor, name: string): ReturnType<NotifierDeps["facts"]> {
  const runner = supervisor.runners.get(name);
  if (runner === undefined) return null;
  return {
    state: runner.state,
    pid: runner.record?.pid ?? null,
    restarts: runner.context.restarts,
    lastExitCode: runner.context.lastExitCode,
    lastSignal: runner.context.lastSignal,
    since: runner.since,
    reason: runner.reason,
    stableMs: runner.config.backoff.resetAfterMs,
  };
}

/** Creates the notifier and subscribes it to the bus (it looks at events; it never blocks them). */
export function attachNotifications(supervisor: Supervisor, store: SqliteStore): DaemonNotifications {
  const deps: NotifierDeps = {
    config: () => supervisor.config,
    facts: (name) => factsOf(supervisor, name),
    emit: (event) => {
      supervisor.emit(event).catch((err: unknown) => {
        console.error(`upkeep: could not record "${event.reason}": ${String(err)}`);
      });
    },
    outbox: store.outbox,
    hostId: store.hostId,
    host: hostname(),
  };
  const notifier = new Notifier(deps);
  // Before any service starts: the variables holding notify's secrets leave the environment
  // services inherit (validate-secret.ts, holdSecretVariables).
  notifier.settingsFor(null);
  supervisor.bus.subscribe((event) => notifier.onEvent(event));
  return { notifier, deps };
}
