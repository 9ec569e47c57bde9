/**
 * Finding the main process of a forking or external service (from its `pidfile`, or by `match`)
 * and deciding whether that process can be tied to the service. A pidfile is only a number
 * someone wrote: it may be stale, or name a process that merely got the number later. upkeep
 * takes the process as the service only with proof (SPEC §6), and otherwise refuses the service
 * and says how to resolve it, with `--force` for the operator who knows better.
 */
import { serviceKeyPath, type MatchConfig, type ServiceConfig } from "../config/model.js";
import { quotePrefix, readSmallFile } from "../core/read-small-file.js";
import { cgroupPids } from "../identity/cgroup.js";
import { describeProcess, isDeadState } from "../identity/process-identity.js";
import { environContains, readCmdline, readProcStat, type ProcStat } from "../identity/proc-stat.js";
import { runIdEntry } from "../identity/process-tree.js";
import { tieByPidfile } from "./pidfile-tie.js";
import { isKernelThread, scanProcesses } from "../identity/process-table.js";

/** What upkeep knows of the start command it ran: the evidence that ties a process to it. */
export interface LaunchTrace {
  pid: number;
  /** The start command's start time (clock ticks since boot). */
  startTime: number;
  runId: string;
  cgroup: string | null;
  /** The PID a stale pidfile named before the start: a late start is no proof for it. */
  stalePid: number | null;
}

/** A live process that a pidfile names or `match` finds. */
export interface Candidate {
  stat: ProcStat;
  argv: string[];
  /** Where it was found, for messages: "pidfile /run/x.pid" or "match { comm: x }". */
  source: string;
  /** How it is tied to the service, or null when nothing ties it. */
  tie: string | null;
  /** When nothing ties it and the pidfile said why not (a reused PID, another user's process). */
  untied?: string;
  /** The pidfile was written by another user than the process's: it names no process to act on. */
  foreignPidfile?: boolean;
}

/** What a pidfile holds: nothing yet, a PID, text that is not one, or a file upkeep will not read. */
export type PidfileContent =
  | { kind: "absent" }
  | { kind: "pid"; pid: number; uid: number; mtimeMs: number }
  | { kind: "bad"; text: string }
  | { kind: "refused"; reason: string };

/** A pidfile holds a number: more than this is not a pidfile (and is not read). */
export const PIDFILE_MAX_BYTES = 4096;

/**
 * Reads a pidfile: the first line's decimal number (daemons write "1234\n"). The file may be
 * the service's own (its user can write the folder): it is read as src/core/read-small-file.ts
 * says (never blocking on a FIFO, never following a link that user planted, at most 4 KiB),
 * and text that is not a PID is quoted only as a short, sanitized prefix.
 */
export function readPidfile(path: string): PidfileContent {
  const read = readSmallFile(path, PIDFILE_MAX_BYTES);
  if (read.kind !== "text") return read;
  const first = read.text.split("\n", 1)[0]!.trim();
  if (!/^\d+$/.test(first) || Number(first) < 1) {
    // A daemon may be writing it right now: an empty file is "not yet", not an error.
    return first === "" ? { kind: "absent" } : { kind: "bad", text: quotePrefix(first) };
  }
  return { kind: "pid", pid: Number(first), uid: read.uid, mtimeMs: read.mtimeMs };
}

/** True when the process matches `match` (comm exactly, or the cmdline regex). */
export function matches(match: MatchConfig, stat: ProcStat, argv: string[]): boolean {
  if (match.comm !== null && stat.comm !== match.comm) return false;
  if (match.cmdline !== null && !new RegExp(match.cmdline).test(argv.join(" "))) return false;
  return true;
}

/** `match { comm: x, cmdline: "y" }`, for messages. */
export function describeMatch(match: MatchConfig): string {
  const parts = [];
  if (match.comm !== null) parts.push(`comm: ${match.comm}`);
  if (match.cmdline !== null) parts.push(`cmdline: ${JSON.stringify(match.cmdline)}`);
  return `match { ${parts.join(", ")} }`;
}

/** The evidence that ties a live process to this service, or null. */
export function tieOf(
  config: ServiceConfig,
  stat: ProcStat,
  argv: string[],
  launch: LaunchTrace | null,
): string | null {
  if (launch !== null) {
    if (launch.cgroup !== null && cgroupPids(launch.cgroup).includes(stat.pid))
      return "it is in the service's cgroup";
    if (environContains(stat.pid, runIdEntry(launch.runId))) return "it carries the marker of upkeep's start";
    // The start command was run by upkeep just now; a process that started after it and is
    // named by the pidfile upkeep was waiting for is that start's daemon (daemons may clear
    // their environment and leave the cgroup-less tree by double fork, so this is the proof).
    if (stat.startTime >= launch.startTime && stat.pid !== launch.stalePid)
      return "it started after upkeep ran the start command";
  }
  if (config.match !== null && matches(config.match, stat, argv))
    return `it matches ${describeMatch(config.match)}`;
  return null;
}

/** Which other service already has the process as its main process, if any. */
export type ClaimedBy = (pid: number) => string | null;

/** The live process a pidfile names, or why there is none. */
function fromPidfile(
  config: ServiceConfig,
  path: string,
  launch: LaunchTrace | null,
  claimedBy: ClaimedBy,
): Candidate | string {
  const content = readPidfile(path);
  if (content.kind === "absent") return `pidfile ${path} does not exist`;
  if (content.kind === "bad") return `pidfile ${path} holds ${content.text}, not a PID`;
  if (content.kind === "refused")
    return `${serviceKeyPath(config, "pidfile")} ${path} ${content.reason}: not read`;
  const stat = readProcStat(content.pid);
  if (stat === null || isDeadState(stat))
    return `pidfile ${path} names PID ${content.pid}, which is not running`;
  const owner = claimedBy(content.pid);
  if (owner !== null)
    return `pidfile ${path} names PID ${content.pid}, which is already the main process of ${owner}`;
  const argv = readCmdline(content.pid) ?? [];
  const source = `pidfile ${path}`;
  const tie = tieOf(config, stat, argv, launch);
  if (tie !== null) return { stat, argv, source, tie };
  // Nothing of upkeep's own ties it: the operator's pidfile may (pidfile-tie.ts).
  const byPidfile = tieByPidfile({ path, ...content }, stat);
  return byPidfile.tie !== null
    ? { stat, argv, source, tie: byPidfile.tie }
    : { stat, argv, source, tie: null, untied: byPidfile.why, foreignPidfile: byPidfile.foreign === true };
}

/** True while the start command upkeep ran is still running (not exited, not yet reaped). */
function isLaunchRunning(launch: LaunchTrace): boolean {
  const stat = readProcStat(launch.pid);
  return stat !== null && !isDeadState(stat) && stat.startTime >= launch.startTime;
}

/** The oldest live process that matches, not counting upkeep itself; the master of a tree of look-alikes. */
function fromMatch(
  config: ServiceConfig,
  match: MatchConfig,
  launch: LaunchTrace | null,
  claimedBy: ClaimedBy,
): Candidate | string {
  // While the start command runs, it and its process group are the start in progress, not the
  // service: `match: { cmdline: apache2 }` also matches `apache2ctl start` and the transient
  // `apache2 -k start` it runs, and taking one as the main process restarts the service when it
  // exits. A process left in that group after the start command exited is a daemon that did
  // not detach, and counts.
  const launcher = launch !== null && isLaunchRunning(launch) ? launch.pid : null;
  const skipped: number[] = [];
  let best: { stat: ProcStat; argv: string[] } | null = null;
  for (const stat of scanProcesses()) {
    if (stat.pid === process.pid || isKernelThread(stat) || isDeadState(stat)) continue;
    if (match.comm !== null && stat.comm !== match.comm) continue;
    const argv = readCmdline(stat.pid) ?? [];
    if (!matches(match, stat, argv)) continue;
    if (launcher !== null && (stat.pid === launcher || stat.pgid === launcher)) {
      skipped.push(stat.pid);
      continue;
    }
    // Another service's main process is never a second service's too (overlapping patterns).
    if (claimedBy(stat.pid) !== null) continue;
    if (best === null || stat.startTime < best.stat.startTime) best = { stat, argv };
  }
  if (best === null && skipped.length > 0)
    return `no process matches ${describeMatch(match)} but the start command's own (PID ${skipped.join(", ")}), still running`;
  if (best === null) return `no process matches ${describeMatch(match)}`;
  return { ...best, source: describeMatch(match), tie: tieOf(config, best.stat, best.argv, launch) };
}

/**
 * The service's main process: from the pidfile when there is one, else by match. A string says
 * what was seen instead (for the failure reason when a start times out).
 */
export function locateMain(
  config: ServiceConfig,
  launch: LaunchTrace | null,
  claimedBy: ClaimedBy = () => null,
): Candidate | string {
  if (config.pidfile !== null) {
    const found = fromPidfile(config, config.pidfile, launch, claimedBy);
    if (typeof found !== "string" || config.match === null) return found;
  }
  if (config.match !== null) return fromMatch(config, config.match, launch, claimedBy);
  return "neither a pidfile nor match is configured";
}

/** The refusal of SPEC §6: who holds the pidfile's PID, and the two ways out. */
export function describeUntied(service: string, candidate: Candidate): string {
  if (candidate.foreignPidfile === true) {
    // Anyone who can write the pidfile's folder could have named this process: never advise
    // to kill it or to take it over, only to deal with the file.
    return (
      `${candidate.source} names ${describeProcess(candidate.stat.pid)}, which upkeep cannot tie to ` +
      `'${service}' (${candidate.untied ?? "the pidfile is another user's"}). Find out who wrote it ` +
      `(ls -l ${candidate.source.slice(8)}), remove it (rm ${candidate.source.slice(8)}), then run \`upkeep start ${service}\``
    );
  }
  return (
    `${candidate.source} names ${describeProcess(candidate.stat.pid)}, ` +
    `command ${JSON.stringify(candidate.argv.join(" "))}, which upkeep cannot tie to '${service}' ` +
    `(not started by upkeep, not in its records${candidate.untied === undefined ? "" : `; ${candidate.untied}`}). If it is not '${service}', stop it ` +
    `(kill ${candidate.stat.pid})${candidate.source.startsWith("pidfile ") ? ` or remove the stale pidfile (rm ${candidate.source.slice(8)})` : ""}, then run \`upkeep start ${service}\`; ` +
    `if it is '${service}', run \`upkeep start ${service} --force\` to take it over`
  );
}
