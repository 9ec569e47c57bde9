/**
 * What ties a recorded process to this state dir (SPEC §6). A record in the store is only what
 * someone wrote: a matching PID + start time + boot id proves the process is the one recorded,
 * not that upkeep started it. upkeep acts on a recorded process (adopts it, stops it, kills its
 * tree) only when it is also tied to this state dir: it is in the service's cgroup of this state
 * dir's subtree, or its environment carries this state dir's id and the service's name (every
 * service upkeep spawns gets both). An external service, which upkeep did not start, is tied
 * by its declared pidfile or `match` still naming the process.
 *
 * What a record says about the tree is vetted the same way: its cgroup counts only when it is
 * the service's own in this state dir's subtree, its run id only when processes carrying it
 * also carry this state dir's id, its process group only when it is the proven process's own.
 */
import { randomUUID } from "node:crypto";
import { statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ServiceConfig } from "../config/model.js";
import { STATE_ID_ENV, stateDirId } from "../config/state-dir-id.js";
import { UpkeepError, errnoOf } from "../core/errors.js";
import { cgroupFsPath, readProcCgroup } from "../identity/cgroup.js";
import { findCgroupTop } from "../identity/cgroup-delegation.js";
import {
  environContains,
  environValue,
  readCmdline,
  readProcStat,
  type ProcStat,
} from "../identity/proc-stat.js";
import { isDeadState } from "../identity/process-identity.js";
import { isKernelThread, scanProcesses } from "../identity/process-table.js";
import { runIdEntry, type TreeSelector } from "../identity/process-tree.js";
import { resolveUser } from "../core/users.js";
import type { ProcessRecord } from "../store/store.js";
import { describeMatch, matches, readPidfile } from "./main-process.js";

/** The variable spawn sets to the service's name. */
export const SERVICE_ENV = "UPKEEP_SERVICE";

/** This state dir's marks: its id, and the cgroup subtree its services are started in. */
export interface StateDirScope {
  stateId: string;
  /**
   * `<top>/upkeep/<stateId>`, where top is the delegated cgroup the daemon runs in (under
   * systemd) or else the cgroup2 mount point; null without a cgroup v2 mount.
   */
  cgroupBase: string | null;
}

export function scopeOfStateDir(stateDir: string): StateDirScope {
  const stateId = stateDirId(stateDir);
  const top = findCgroupTop();
  return { stateId, cgroupBase: top === null ? null : join(top, "upkeep", stateId) };
}

/** The environment entries every process upkeep spawned for `service` from this state dir carries. */
export function stateEntries(scope: StateDirScope, service: string): string[] {
  return [`${STATE_ID_ENV}=${scope.stateId}`, `${SERVICE_ENV}=${service}`];
}

/**
 * The service's own cgroup directory in this state dir's subtree, or null without cgroup v2.
 * None for a name no service can have (a record's name is only what someone wrote): one with
 * a slash, or starting with a dot like the FIFO holder's `.fifo-holder`.
 */
function serviceCgroupOf(scope: StateDirScope, service: string): string | null {
  if (scope.cgroupBase === null || service.startsWith(".") || service.includes("/") || service === "")
    return null;
  return join(scope.cgroupBase, service);
}

/** True when `dir` is the service's cgroup of this state dir, or below it (`..` resolved first). */
function isServiceCgroup(dir: string, scope: StateDirScope, service: string): boolean {
  const own = serviceCgroupOf(scope, service);
  if (own === null) return false;
  const path = resolve("/", dir);
  return path === own || path.startsWith(own + "/");
}

/** How a live process is tied to this state dir as `service`'s, or null. */
export function tieToStateDir(pid: number, scope: StateDirScope, service: string): string | null {
  const where = readProcCgroup(pid);
  const dir = where === null ? null : cgroupFsPath(where);
  if (dir !== null && isServiceCgroup(dir, scope, service))
    return `it is in ${service}'s cgroup of this state dir (${dir})`;
  if (stateEntries(scope, service).every((entry) => environContains(pid, entry)))
    return `its environment carries ${STATE_ID_ENV}=${scope.stateId} and ${SERVICE_ENV}=${service}`;
  return null;
}

/** An external service's process: tied when its declared pidfile or match still names it. */
function tieExternal(config: ServiceConfig, pid: number): string | null {
  if (config.pidfile !== null) {
    const content = readPidfile(config.pidfile);
    if (content.kind === "pid" && content.pid === pid) return `its pidfile ${config.pidfile} names it`;
  }
  const stat = readProcStat(pid);
  if (config.match !== null && stat !== null && matches(config.match, stat, readCmdline(pid) ?? []))
    return `it matches ${describeMatch(config.match)}`;
  return null;
}

/** The result of proveRecord. */
export type RecordProof = { tied: true; how: string; record: ProcessRecord } | { tied: false; why: string };

/**
 * Whether the live process a record names (its identity already checked) may be acted on as
 * the service's; when it may, the record with only what can be trusted of it. `config` is the
 * service's (null for a service no longer in the config).
 */
export function proveRecord(
  record: ProcessRecord,
  config: ServiceConfig | null,
  scope: StateDirScope,
): RecordProof {
  const how =
    tieToStateDir(record.pid, scope, record.service) ??
    (config?.type === "external" ? tieExternal(config, record.pid) : null);
  if (how === null) {
    const cgroup = serviceCgroupOf(scope, record.service);
    const external = config?.type === "external" ? ", its pidfile or match does not name it" : "";
    return {
      tied: false,
      why:
        `nothing ties PID ${record.pid} to this state dir: ${cgroup === null ? "no cgroup v2" : `not in ${cgroup}`}, ` +
        `its environment lacks ${STATE_ID_ENV}=${scope.stateId} with ${SERVICE_ENV}=${record.service}${external}`,
    };
  }
  return { tied: true, how, record: vetRecord(record, scope) };
}

/**
 * The record with what cannot be proven made harmless: a cgroup that is not the service's own
 * in this state dir's subtree becomes none; a run id the process does not carry becomes a new
 * one nobody carries; a process group the process is not in becomes 0 (none).
 */
function vetRecord(record: ProcessRecord, scope: StateDirScope): ProcessRecord {
  const stat = readProcStat(record.pid);
  const cgroup =
    record.cgroup !== null && isServiceCgroup(record.cgroup, scope, record.service) ? record.cgroup : null;
  const runId = environContains(record.pid, runIdEntry(record.runId)) ? record.runId : randomUUID();
  const ownGroup = stat !== null && (stat.pgid === record.pgid || stat.sid === record.pgid);
  return { ...record, cgroup, runId, pgid: ownGroup ? record.pgid : 0 };
}

/**
 * The selector of what may be left of a recorded start whose main process is gone (or is
 * another process now): only the service's own cgroup of this state dir, and processes that
 * carry the run id together with this state dir's id and the service's name. Never the recorded
 * PID, process group or session: those numbers may belong to other programs now.
 */
export function leftoverSelector(record: ProcessRecord, scope: StateDirScope): TreeSelector {
  const cgroup =
    record.cgroup !== null && isServiceCgroup(record.cgroup, scope, record.service) ? record.cgroup : null;
  return {
    pid: 0,
    startTime: record.startTime,
    pgid: 0,
    sid: 0,
    runId: record.runId,
    cgroup,
    alsoCarries: stateEntries(scope, record.service),
  };
}

/**
 * Every live process carrying this state dir's id, by the service it names (UPKEEP_SERVICE):
 * one read of each process's environment. What a daemon without cgroups looks for before it
 * starts a service it has no record of: the record may have been lost with the store. Only
 * processes running as a user this daemon starts the service as count (its own, or the
 * service's `user:`, given by `userOf`): the state id is no secret, and any local user could
 * otherwise keep a root daemon from starting a service by planting a process that carries it.
 */
export function findStateDirProcesses(
  scope: StateDirScope,
  userOf: (service: string) => string | null,
): Map<string, ProcStat[]> {
  const found = new Map<string, ProcStat[]>();
  const ours = `${STATE_ID_ENV}=${scope.stateId}`;
  for (const stat of scanProcesses()) {
    if (stat.pid === process.pid || isKernelThread(stat) || isDeadState(stat)) continue;
    if (!environContains(stat.pid, ours)) continue;
    const service = environValue(stat.pid, `${SERVICE_ENV}=`);
    if (service === null || !runsAsStarter(stat.pid, userOf(service))) continue;
    const list = found.get(service);
    if (list) list.push(stat);
    else found.set(service, [stat]);
  }
  return found;
}

/** True when the process runs as this daemon's user or as `user` (a service's `user:`). */
function runsAsStarter(pid: number, user: string | null): boolean {
  let uid: number;
  try {
    uid = statSync(`/proc/${pid}`).uid;
  } catch (err) {
    if (errnoOf(err) === "ENOENT") return false; // gone
    throw err;
  }
  if (uid === (process.geteuid?.() ?? 0)) return true;
  if (user === null) return false;
  try {
    return resolveUser(user).uid === uid;
  } catch (err) {
    if (err instanceof UpkeepError) return false; // an unknown user: nothing runs as it
    throw err;
  }
}

/** The processes of a set whose parent is not in the set: the main process when there is one. */
export function rootsOf(processes: readonly ProcStat[]): ProcStat[] {
  const pids = new Set(processes.map((p) => p.pid));
  return processes.filter((p) => !pids.has(p.ppid));
}

/** The refusal of a start while unrecorded processes of the service run: their PIDs and the fix. */
export function describeUnrecorded(service: string, pids: readonly number[]): string {
  return (
    `processes of ${service} started from this state dir run without a record (PIDs ${pids.join(", ")}; ` +
    `the store was lost?) and no single main process among them can be adopted: a start would run ` +
    `a second copy. Stop them (kill ${pids.join(" ")}), then: upkeep reset ${service}`
  );
}
