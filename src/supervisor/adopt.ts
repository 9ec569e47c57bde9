import { killTreeAndWait } from "../identity/kill-tree.js";
import { checkIdentity, describeCheck } from "../identity/process-identity.js";
import { removePidFile } from "../service/pid-file.js";
import type { ServiceRunner } from "../service/runner.js";
import { selectorOf } from "../service/tree-effects.js";
import type { EventRecord, ProcessRecord, StateStore } from "../store/store.js";
import { describeStartedWith } from "../service/started-with.js";

/**
 * Bring one service back after a daemon (re)start: adopt its recorded process when PID, start
 * time and boot id all still match; otherwise the record is stale — report what was found,
 * clean what is left of the old tree (by cgroup and run-id marker only: the recorded PID and
 * process group may belong to another program now, which must never be signalled), drop the
 * record; startRecovered then starts the service if the operator wants it up.
 */
export async function recoverRecord(
  runner: ServiceRunner,
  record: ProcessRecord | null,
  store: StateStore,
  stateDir: string,
  publish: (event: EventRecord) => void,
): Promise<"adopted" | "cleared"> {
  if (record !== null) {
    const check = checkIdentity(record);
    if (check.status === "live") {
      runner.forceNextStart = false; // --force is for a start, and this one is adopted
      await runner.adopt(record);
      await applyConfigChangedMeanwhile(runner, record, store, publish);
      return "adopted";
    }
    const found = describeCheck(record, check);
    // pgid/sid 0: do not select by process group or session, they may be reused now.
    const { killed } = await killTreeAndWait({ ...selectorOf(record), pgid: 0, sid: 0 }, 5_000);
    const leftovers = killed.length ? `; killed leftovers of its old tree: PIDs ${killed.join(", ")}` : "";
    const event = await store.appendEvent({
      ts: Date.now(),
      service: runner.name,
      kind: "stale",
      reason: `stale record cleared: ${found}${leftovers}`,
      details: {
        pid: record.pid,
        start_time: record.startTime,
        boot_id: record.bootId,
        status: check.status,
        ...(check.status === "reused" ? { found: check.found } : {}),
        leftovers_killed: killed,
      },
    });
    publish(event);
    await store.deleteProcess(runner.name);
    removePidFile(stateDir, runner.name);
  }
  return "cleared";
}

/**
 * An adopted process started with process-shaping values (command, env, cwd, user, type...)
 * that the config no longer has: the config changed while no daemon ran, or the last daemon
 * died in the middle of a reload. What a reload would do is done now: an event names the keys,
 * and the service is restarted once. A record of an older upkeep (no shape) is not restarted
 * blindly: the event says its config is unknown, and `status` and `check` go on saying so.
 */
async function applyConfigChangedMeanwhile(
  runner: ServiceRunner,
  record: ProcessRecord,
  store: StateStore,
  publish: (event: EventRecord) => void,
): Promise<void> {
  const startedWith = describeStartedWith(runner.config, record);
  if (startedWith.kind === "current") return;
  const runs = runner.state === "running" || runner.state === "starting";
  const reason =
    startedWith.kind === "unknown"
      ? `adopted PID ${record.pid}: ${startedWith.text}`
      : `config changed while the daemon was down (${startedWith.keys.join(", ")}): ` +
        (runs ? `restarting PID ${record.pid} to apply it` : "applied at its next start");
  const event = await store.appendEvent({
    ts: Date.now(),
    service: runner.name,
    kind: "config",
    reason,
    details: {
      pid: record.pid,
      started_with: startedWith.kind,
      ...(startedWith.kind === "outdated" ? { keys: startedWith.keys } : {}),
    },
  });
  publish(event);
  // Not awaited: the stop may take stop.timeout, and the daemon's start-up does not wait for it.
  if (startedWith.kind === "outdated" && runs) void runner.send({ type: "restart_requested" });
}

/**
 * Start a recovered service the operator wants up (after recoverRecord found nothing to adopt).
 * Called for all services only once every record was dealt with, so no dependent starts while
 * a dependency is still `stopped` only because its stale record is being cleared.
 */
export function startRecovered(runner: ServiceRunner): Promise<void> {
  if (runner.context.desired !== "up") {
    runner.forceNextStart = false;
    return Promise.resolve();
  }
  const start = runner.send({ type: "start_requested" });
  // A forking or external start may wait up to start_timeout for its main process: the daemon
  // opens its socket (and starts the other services) meanwhile instead of waiting with it.
  if (runner.config.type === "forking" || runner.config.type === "external") return Promise.resolve();
  return start;
}
