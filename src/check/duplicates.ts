/**
 * Second copies (SPEC §5): a process outside every service's tree whose command line is a
 * service's own (its configured command, or the running main process's command line, which for
 * a script is its interpreter's: "/bin/sh script"). Cheap on a machine of hundreds of processes:
 * only processes whose kernel name (already in the process table) is a service's are read
 * further, and the trees are computed only when such a process is not itself a main process.
 */
import { statSync } from "node:fs";
import { basename } from "node:path";
import { STATE_ID_ENV } from "../config/state-dir-id.js";
import { errnoOf } from "../core/errors.js";
import { environValue, readCmdline, type ProcStat } from "../identity/proc-stat.js";
import { resolveUser } from "../core/users.js";
import { isKernelThread } from "../identity/process-table.js";
import type { IndexedTable } from "../identity/process-tree.js";
import { matches } from "../service/main-process.js";
import type { CheckProblem } from "./report.js";
import type { ServiceView } from "./run-check.js";

export interface DuplicateSearch {
  services: readonly ServiceView[];
  table: IndexedTable;
  /** True when the PID belongs to some service's tree (computed lazily by the caller). */
  inAnyTree(pid: number): boolean;
  /** This state dir's id: a process carrying another UPKEEP_STATE_ID is another daemon's. */
  stateId: string;
  /** The daemon's user (the state dir's owner); null when unknown (then the checker's). */
  ownerUid: number | null;
}

/** The effective uid of a process (the owner of /proc/PID), or null when it is gone. */
function uidOf(pid: number): number | null {
  try {
    return statSync(`/proc/${pid}`).uid;
  } catch (err) {
    if (errnoOf(err) === "ENOENT") return null;
    throw err;
  }
}

/**
 * True when the process cannot be this daemon's copy of the service, so it is none of the
 * check's business: it carries another state dir's id (another upkeep started it), or it runs
 * as a user who is neither the daemon's, nor the service's `user:`, nor its main process's.
 */
function isSomeoneElses(search: DuplicateSearch, view: ServiceView, stat: ProcStat): boolean {
  const stateId = environValue(stat.pid, `${STATE_ID_ENV}=`);
  if (stateId !== null && stateId !== search.stateId) return true;
  const uid = uidOf(stat.pid);
  if (uid === null) return true; // gone
  const allowed = new Set([search.ownerUid ?? process.getuid?.() ?? 0]);
  const main = liveMain(view, search.table);
  if (main !== null) {
    const mainUid = uidOf(main.pid);
    if (mainUid !== null) allowed.add(mainUid);
  }
  if (view.config.user !== null) {
    try {
      allowed.add(resolveUser(view.config.user).uid);
    } catch (err) {
      if (!(err instanceof Error)) throw err; // an unknown user: the service cannot run as it anyway
    }
  }
  return !allowed.has(uid);
}

/** The live main process of a view, from the table (null when not running as recorded). */
function liveMain(view: ServiceView, table: IndexedTable): ProcStat | null {
  const record = view.record;
  const stat = record === null ? undefined : table.byPid.get(record.pid);
  return stat !== undefined && stat.startTime === record?.startTime ? stat : null;
}

export function findDuplicates(search: DuplicateSearch): CheckProblem[] {
  const { table } = search;
  const byComm = new Map<string, ServiceView[]>();
  const mains = new Set<number>();
  for (const view of search.services) {
    if (view.config.type === "external") continue; // found by match or pidfile, not by argv
    if (view.state === "starting") continue; // a forking start command has the service's argv
    const comms = new Set<string>();
    const program = view.config.command[0];
    if (program !== undefined) comms.add(basename(program).slice(0, 15)); // comm: 15 characters
    const main = liveMain(view, table);
    if (main !== null) {
      comms.add(main.comm);
      mains.add(main.pid);
    }
    for (const comm of comms) byComm.set(comm, [...(byComm.get(comm) ?? []), view]);
  }
  const lines = new Map<number, string>();
  const lineOf = (pid: number): string => {
    let line = lines.get(pid);
    if (line === undefined) lines.set(pid, (line = (readCmdline(pid) ?? []).join("\0")));
    return line;
  };
  const isCopyOf = (view: ServiceView, line: string): boolean => {
    const main = liveMain(view, table);
    const argvs = [view.config.command.join("\0"), (view.record?.argv ?? []).join("\0")];
    if (main !== null) argvs.push(lineOf(main.pid));
    return argvs.some((argv) => argv !== "" && argv === line);
  };
  const copies = new Map<string, number[]>();
  for (const stat of table.stats) {
    const views = byComm.get(stat.comm);
    if (views === undefined || mains.has(stat.pid) || stat.pid === process.pid) continue;
    if (isKernelThread(stat) || stat.state === "Z") continue;
    const line = lineOf(stat.pid);
    const view = views.find((v) => isCopyOf(v, line));
    if (view === undefined || search.inAnyTree(stat.pid)) continue; // e.g. a worker forked by its master
    if (isSomeoneElses(search, view, stat)) continue;
    copies.set(view.config.name, [...(copies.get(view.config.name) ?? []), stat.pid]);
  }
  findMatchCopies(search, mains, lineOf, copies);
  return [...copies].map(([service, pids]) => ({
    service,
    severity: "WARNING",
    expected: `only upkeep's copy of ${service}`,
    found: `a second copy outside upkeep's records: PID${pids.length > 1 ? "s" : ""} ${pids.join(", ")}`,
    remedy: `stop it: kill ${pids.join(" ")}`,
  }));
}

/**
 * External services are found by `match`: a second matching process outside every tree (not
 * a worker of the adopted one) is a second copy. A comm match reads nothing more; a cmdline
 * match reads the command lines, only for such services.
 */
function findMatchCopies(
  search: DuplicateSearch,
  mains: Set<number>,
  lineOf: (pid: number) => string,
  copies: Map<string, number[]>,
): void {
  for (const view of search.services) {
    const match = view.config.match;
    const main = view.config.type === "external" && match !== null ? liveMain(view, search.table) : null;
    if (main === null || match === null) continue;
    for (const stat of search.table.stats) {
      if (stat.pid === main.pid || mains.has(stat.pid) || stat.pid === process.pid || stat.state === "Z")
        continue;
      if (isKernelThread(stat) || (match.comm !== null && stat.comm !== match.comm)) continue;
      if (!matches(match, stat, lineOf(stat.pid).split("\0"))) continue;
      if (search.inAnyTree(stat.pid) || isSomeoneElses(search, view, stat)) continue;
      copies.set(view.config.name, [...(copies.get(view.config.name) ?? []), stat.pid]);
    }
  }
}
