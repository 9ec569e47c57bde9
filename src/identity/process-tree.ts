/**
 * Finding every live process of a service's tree. Descendants can leave the process group
 * (setsid, double fork), so several sources are combined: the service's cgroup, its recorded
 * process group and session, descendants by parent PID, and the per-start environment marker.
 */
import { existsSync } from "node:fs";
import { cgroupPids } from "./cgroup.js";
import { environContains, environValue, readProcStat, type ProcStat } from "./proc-stat.js";
import { isKernelThread, scanProcesses } from "./process-table.js";

/** The variable upkeep sets in each service's environment, one value per start. */
export const RUN_ID_ENV = "UPKEEP_RUN_ID";

/** What upkeep recorded about one start of a service, enough to find its whole tree. */
export interface TreeSelector {
  /** Main process and its start time. No process found by group, session or marker may have
   *  started before `startTime`: that rules out older holders of a reused number. */
  pid: number;
  startTime: number;
  pgid: number;
  sid: number;
  /** The UPKEEP_RUN_ID value of this start. */
  runId: string;
  /** The service's cgroup directory (absolute, e.g. /sys/fs/cgroup/unified/upkeep/ab12/web), or null. */
  cgroup: string | null;
  /**
   * Environment entries ("UPKEEP_STATE_ID=ab12", "UPKEEP_SERVICE=web") that a process found by
   * the run-id marker must also carry. A run id read back from a record proves nothing by
   * itself (the record may be forged): with these, only this daemon's processes of the service
   * count. Unset for selectors of a start upkeep made itself.
   */
  alsoCarries?: readonly string[];
}

/** One process and its children, for display (`upkeep ps`). */
export interface TreeNode {
  stat: ProcStat;
  children: TreeNode[];
}

/** The `NAME=value` entry that marks a start's processes. */
export function runIdEntry(runId: string): string {
  return `${RUN_ID_ENV}=${runId}`;
}

/** True when the cgroup directory exists, which makes it the authority on membership. */
export function isCgroupUsable(sel: TreeSelector): sel is TreeSelector & { cgroup: string } {
  return sel.cgroup !== null && existsSync(sel.cgroup);
}

/**
 * Whether a process-group or session id still means this service's group. The number is held
 * while any member lives; once all are gone the kernel may hand it to a new process. So: if a
 * process with that PID exists it must be our main process, or a younger process carrying our
 * marker; if none exists, the surviving members keep the number reserved and it is ours.
 */
function isOurGroupId(id: number, sel: TreeSelector, byPid: Map<number, ProcStat>): boolean {
  if (id <= 1) return false;
  const leader = byPid.get(id);
  if (leader === undefined) return true;
  if (id === sel.pid) return leader.startTime === sel.startTime;
  if (leader.startTime < sel.startTime) return false;
  return environContains(id, runIdEntry(sel.runId)) && carriesAll(id, sel);
}

/** True when the process carries every entry of the selector's `alsoCarries`. */
function carriesAll(pid: number, sel: TreeSelector): boolean {
  return (sel.alsoCarries ?? []).every((entry) => environContains(pid, entry));
}

/**
 * A process table indexed for many tree lookups in a row (`upkeep check` with hundreds of
 * services): by PID, process group, session and parent once, and the start markers of every
 * process read at most once, on the first lookup that needs them.
 */
export class IndexedTable {
  readonly byPid: Map<number, ProcStat>;
  readonly byGroup = new Map<number, ProcStat[]>();
  readonly bySession = new Map<number, ProcStat[]>();
  readonly childrenOf = new Map<number, ProcStat[]>();
  private markers: Map<string, ProcStat[]> | null = null;

  constructor(readonly stats: readonly ProcStat[]) {
    this.byPid = new Map(stats.map((s) => [s.pid, s]));
    for (const s of stats) {
      push(this.byGroup, s.pgid, s);
      push(this.bySession, s.sid, s);
      push(this.childrenOf, s.ppid, s);
    }
  }

  /** The processes whose environment carries UPKEEP_RUN_ID=runId (one environ read per process, once). */
  withMarker(runId: string): ProcStat[] {
    if (this.markers === null) {
      this.markers = new Map();
      const prefix = `${RUN_ID_ENV}=`;
      for (const s of this.stats) {
        if (s.pid === process.pid || isKernelThread(s)) continue;
        const value = environValue(s.pid, prefix);
        if (value !== null) push(this.markers, value, s);
      }
    }
    return this.markers.get(runId) ?? [];
  }
}

function push<K>(map: Map<K, ProcStat[]>, key: K, s: ProcStat): void {
  const list = map.get(key);
  if (list) list.push(s);
  else map.set(key, [s]);
}

/**
 * The tree from its cgroup alone, when it has one: every process born into it stays in it, so
 * no scan of /proc is needed (the daemon's tree watch reads trees this way). Null without a
 * usable cgroup, or when the main process is not in it (then findTreeMembers must look).
 */
export function cgroupMembers(sel: TreeSelector): ProcStat[] | null {
  if (!isCgroupUsable(sel)) return null;
  const pids = cgroupPids(sel.cgroup);
  if (!pids.includes(sel.pid)) return null;
  const stats = pids.map((pid) => readProcStat(pid)).filter((s): s is ProcStat => s !== null);
  return stats.filter((s) => s.pid !== process.pid).sort((a, b) => a.pid - b.pid);
}

/** Every live process of the service's tree (zombies included, marked by state Z). */
export function findTreeMembers(
  sel: TreeSelector,
  source: ProcStat[] | IndexedTable = scanProcesses(),
): ProcStat[] {
  const table = source instanceof IndexedTable ? source : new IndexedTable(source);
  const { byPid } = table;
  const members = new Map<number, ProcStat>();
  const add = (s: ProcStat | null | undefined): void => {
    if (s && s.pid !== process.pid && s.pid !== 1 && !isKernelThread(s)) members.set(s.pid, s);
  };

  const cgroupUsable = isCgroupUsable(sel);
  if (cgroupUsable) for (const pid of cgroupPids(sel.cgroup)) add(byPid.get(pid) ?? readProcStat(pid));

  const main = byPid.get(sel.pid);
  if (main?.startTime === sel.startTime) add(main);

  const pgidOurs = isOurGroupId(sel.pgid, sel, byPid);
  const sidOurs = sel.sid === sel.pgid ? pgidOurs : isOurGroupId(sel.sid, sel, byPid);
  const young = (s: ProcStat): boolean => s.startTime >= sel.startTime;
  if (pgidOurs) for (const s of table.byGroup.get(sel.pgid) ?? []) if (young(s)) add(s);
  if (sidOurs) for (const s of table.bySession.get(sel.sid) ?? []) if (young(s)) add(s);
  // The marker search reads environs: only needed when no cgroup holds the tree.
  if (!cgroupUsable)
    for (const s of table.withMarker(sel.runId)) if (young(s) && carriesAll(s.pid, sel)) add(s);

  addDescendants(members, table.childrenOf, add);
  return [...members.values()].sort((a, b) => a.pid - b.pid);
}

/** Adds every descendant (by parent PID) of the members found so far. */
function addDescendants(
  members: Map<number, ProcStat>,
  childrenOf: Map<number, ProcStat[]>,
  add: (s: ProcStat) => void,
): void {
  const queue = [...members.keys()];
  for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
    for (const child of childrenOf.get(pid) ?? []) {
      if (members.has(child.pid)) continue;
      add(child);
      if (members.has(child.pid)) queue.push(child.pid); // add() refuses upkeep itself
    }
  }
}

/** Nests members under their parents; processes whose parent is not a member are roots. */
export function buildTree(members: ProcStat[]): TreeNode[] {
  const nodes = new Map(members.map((stat) => [stat.pid, { stat, children: [] as TreeNode[] }]));
  const roots: TreeNode[] = [];
  for (const node of [...nodes.values()].sort((a, b) => a.stat.pid - b.stat.pid)) {
    const parent = nodes.get(node.stat.ppid);
    if (parent !== undefined && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  return roots;
}
