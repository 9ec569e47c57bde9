import { randomUUID } from "node:crypto";
import { readBootId } from "../identity/boot-id.js";
import { killTreeAndWait } from "../identity/kill-tree.js";
import { checkIdentity, describeCheck, describeProcess } from "../identity/process-identity.js";
import { removePidFile } from "../service/pid-file.js";
import { environValue, readCmdline, type ProcStat } from "../identity/proc-stat.js";
import { RUN_ID_ENV } from "../identity/process-tree.js";
import {
  describeUnrecorded,
  leftoverSelector,
  proveRecord,
  rootsOf,
  type StateDirScope,
} from "../service/record-tie.js";
import type { ServiceRunner } from "../service/runner.js";
import type { EventRecord, ProcessRecord, StateStore } from "../store/store.js";
import { describeStartedWith } from "../service/started-with.js";

/** What recovery needs around one record. */
export interface RecoveryContext {
  store: StateStore;
  stateDir: string;
  scope: StateDirScope;
  publish: (event: EventRecord) => void;
}

/**
 * Bring one service back after a daemon (re)start: adopt its recorded process when PID, start
 * time and boot id all still match and the process is tied to this state dir (record-tie.ts);
 * otherwise the record is stale, or untied — report what was found, clean what is left of the
 * old tree (a stale one's, by this state dir's cgroup and marker only: the recorded PID and
 * process group may belong to another program now), drop the record; startRecovered then
 * starts the service if the operator wants it up. An untied process is never signalled.
 */
export async function recoverRecord(
  runner: ServiceRunner,
  record: ProcessRecord | null,
  ctx: RecoveryContext,
): Promise<"adopted" | "cleared"> {
  if (record === null) return "cleared";
  const check = checkIdentity(record);
  if (check.status === "live") {
    const proof = proveRecord(record, runner.config, ctx.scope);
    if (proof.tied) {
      runner.forceNextStart = false; // --force is for a start, and this one is adopted
      if (!sameRecord(proof.record, record)) await ctx.store.putProcess(proof.record);
      await runner.adopt(proof.record);
      await applyConfigChangedMeanwhile(runner, proof.record, ctx.store, ctx.publish);
      return "adopted";
    }
    await reportUntied(runner.name, record, proof.why, ctx);
    return "cleared";
  }
  const found = describeCheck(record, check);
  // Nothing of another boot runs on this one: no leftovers to look for.
  const { killed } =
    check.status === "other_boot"
      ? { killed: [] }
      : await killTreeAndWait(leftoverSelector(record, ctx.scope), 5_000);
  const leftovers = killed.length ? `; killed leftovers of its old tree: PIDs ${killed.join(", ")}` : "";
  const event = await ctx.store.appendEvent({
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
  ctx.publish(event);
  await ctx.store.deleteProcess(runner.name);
  removePidFile(ctx.stateDir, runner.name);
  return "cleared";
}

/**
 * A record naming a live process that cannot be tied to this state dir: reported, cleared,
 * and the process left alone (it may be anyone's; the record may be forged).
 */
export async function reportUntied(
  service: string,
  record: ProcessRecord,
  why: string,
  ctx: RecoveryContext,
): Promise<void> {
  const event = await ctx.store.appendEvent({
    ts: Date.now(),
    service,
    kind: "stale",
    reason:
      `record cleared without acting on it: it names ${describeProcess(record.pid)}, which could not be ` +
      `tied to this state dir (${why}); PID ${record.pid} was not signalled. Only if you know it is ` +
      `${service}'s, stop it by hand (kill ${record.pid}): nothing proves it to upkeep`,
    details: {
      pid: record.pid,
      start_time: record.startTime,
      boot_id: record.bootId,
      status: "untied",
      why,
    },
  });
  ctx.publish(event);
  await ctx.store.deleteProcess(service);
  removePidFile(ctx.stateDir, service);
}

/**
 * A service the store has no record of, while processes carrying this state dir's id and its
 * name run (the store was deleted or lost its WAL under an earlier daemon, and there is no
 * cgroup to find them by): starting it would run a second copy. One main process (the only
 * one whose parent is not among them) is adopted; otherwise the start is refused while they
 * live, with their PIDs and the fix.
 */
export async function recoverUnrecorded(
  runner: ServiceRunner,
  found: readonly ProcStat[],
  ctx: RecoveryContext,
): Promise<"adopted" | "cleared"> {
  const pids = found.map((p) => p.pid).join(", ");
  const roots = rootsOf(found);
  const main = roots.length === 1 && runner.config.type !== "external" ? roots[0]! : null;
  if (main !== null) {
    const record: ProcessRecord = {
      hostId: ctx.store.hostId,
      service: runner.name,
      pid: main.pid,
      startTime: main.startTime,
      bootId: readBootId(),
      argv: readCmdline(main.pid) ?? [],
      pgid: main.pgid === main.pid || main.sid === main.pgid ? main.pgid : 0,
      runId: environValue(main.pid, `${RUN_ID_ENV}=`) ?? randomUUID(),
      cgroup: null,
      startedAt: Date.now(),
      shape: null, // found, not started by this daemon: what it was started with is unknown
    };
    await publishStale(runner.name, ctx, {
      reason:
        `no record of ${runner.name} in the store, but ${describeProcess(main.pid)} carries this state dir's id ` +
        `and UPKEEP_SERVICE=${runner.name} (PIDs ${pids}): adopted instead of starting a second copy`,
      details: { status: "unrecorded", pids: found.map((p) => p.pid), adopted: main.pid },
    });
    runner.forceNextStart = false;
    await ctx.store.putProcess(record);
    await runner.adopt(record);
    return "adopted";
  }
  const reason = describeUnrecorded(
    runner.name,
    found.map((p) => p.pid),
  );
  runner.refuseWhileUnrecorded = true;
  await publishStale(runner.name, ctx, {
    reason,
    details: { status: "unrecorded", pids: found.map((p) => p.pid) },
  });
  return "cleared";
}

async function publishStale(
  service: string,
  ctx: RecoveryContext,
  event: { reason: string; details: Record<string, unknown> },
): Promise<void> {
  ctx.publish(await ctx.store.appendEvent({ ts: Date.now(), service, kind: "stale", ...event }));
}

function sameRecord(a: ProcessRecord, b: ProcessRecord): boolean {
  return a.cgroup === b.cgroup && a.runId === b.runId && a.pgid === b.pgid;
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
