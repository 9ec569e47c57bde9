/**
 * `upkeep check` (SPEC §5): the "check running daemons" procedure, automated. For every service
 * that should run: its recorded process (PID + start time + boot id) exists; a forking or
 * external one's pidfile names it; its declared children exist; its declared ports are in
 * LISTEN, held by its own tree; no second copy runs outside upkeep's records; no record is
 * stale. The same function runs inside the daemon (live states) and in the CLI when the daemon
 * is down (states and records read from the store). It reads /proc once: one process table,
 * one /proc/net read, command lines and fd tables only of the processes that matter.
 */
import { statSync } from "node:fs";
import { stateDirId } from "../config/state-dir-id.js";
import { errnoOf } from "../core/errors.js";
import type { ProbeView } from "../service/readiness.js";
import type { ServiceConfig } from "../config/model.js";
import { readBootId } from "../identity/boot-id.js";
import {
  checkIdentity,
  describeCheck,
  isDeadState,
  type IdentityCheck,
} from "../identity/process-identity.js";
import { readListeningSockets } from "../identity/proc-net.js";
import { findTreeMembers, IndexedTable } from "../identity/process-tree.js";
import { scanProcesses } from "../identity/process-table.js";
import { readPidfile } from "../service/main-process.js";
import { describeStartedWith } from "../service/started-with.js";
import type { ServiceState } from "../service/states.js";
import { selectorOf } from "../service/tree-effects.js";
import type { StoreHealth } from "../store/buffered-store.js";
import type { ProcessRecord } from "../store/store.js";
import { findDuplicates } from "./duplicates.js";
import { findServicesWithoutCgroups } from "./without-cgroups.js";
import type { CheckProblem, CheckReport, ServiceCheck } from "./report.js";
import { summarize } from "./report.js";
import { declaresTree, describeUnmet, evaluateTree, membersOf } from "../service/tree-expectations.js";

/** One service as the checker sees it. */
export interface ServiceView {
  config: ServiceConfig;
  /** Last known state (live from the daemon, or as the store kept it); null when never run. */
  state: ServiceState | null;
  desired: "up" | "down";
  reason: string;
  record: ProcessRecord | null;
  /**
   * The health probe's last verdicts (daemon up only): failing now when `failures` reached the
   * threshold in a row; null when the service has no probe or none has run yet.
   */
  probe?: ProbeView | null;
}

export interface CheckInput {
  services: ServiceView[];
  /** Process records of services no longer in the config. */
  orphanRecords: ProcessRecord[];
  /** null when the daemon is down; then `startCommand` is the remedy. */
  daemon: { pid: number } | null;
  stateDir: string;
  startCommand: string;
  /** The daemon's state store (daemon up only): writes it cannot take wait in memory. */
  store?: StoreHealth;
  /** With the daemon up: what happened to the state store's files under it, or null. */
  storeProblem?: string | null;
}

/** What to run when a service is not running, by its state. */
function remedyFor(view: ServiceView, daemonUp: boolean, startCommand: string): string {
  const name = view.config.name;
  if (!daemonUp) return `start the daemon, which starts ${name}: ${startCommand}`;
  if (view.state === "failed") return `read why: upkeep logs ${name} -n 50; then: upkeep reset ${name}`;
  // In backoff or waiting the daemon starts it by itself; `start` would only skip the wait.
  if (view.state === "backoff")
    return `none needed, it restarts by itself; to skip the wait: upkeep restart ${name}`;
  if (view.state === "waiting") return `see what it waits for: upkeep status ${name}`;
  return `upkeep start ${name}`;
}

function checkOne(
  view: ServiceView,
  input: CheckInput,
  table: IndexedTable,
  ctx: SharedReads,
  out: CheckProblem[],
): ServiceCheck {
  const { config } = view;
  const name = config.name;
  const daemonUp = input.daemon !== null;
  const problem = (
    severity: CheckProblem["severity"],
    expected: string,
    found: string,
    remedy: string,
  ): void => {
    out.push({ service: name, severity, expected, found, remedy });
  };
  const result: ServiceCheck = { name, state: view.state, pid: null, ok: true, ports: [], children: [] };
  const before = out.length;
  const done = (): ServiceCheck => ({ ...result, ok: out.length === before });

  if (view.desired === "down") return done(); // stopped by the operator: not expected to run
  if (config.type === "oneshot" && view.state === "exited") return done();

  const record = view.record;
  if (record === null) {
    const transient =
      daemonUp && (view.state === "starting" || view.state === "backoff" || view.state === "waiting");
    const found = view.state === null ? "never started" : `state ${view.state}: ${view.reason}`;
    problem(
      transient ? "WARNING" : "CRITICAL",
      `${name} running`,
      found,
      remedyFor(view, daemonUp, input.startCommand),
    );
    return done();
  }
  const identity = identityOf(record, table);
  if (identity.status !== "live") {
    problem(
      "CRITICAL",
      `${name} running as recorded PID ${record.pid}`,
      `stale record: ${describeCheck(record, identity)}`,
      daemonUp
        ? `upkeep restart ${name}`
        : `start the daemon, which clears the record and starts ${name}: ${input.startCommand}`,
    );
    return done();
  }
  result.pid = record.pid;

  // Started with process-shaping values the config no longer has (a config changed while no
  // daemon ran, a reload cut short). A process of an older upkeep (config unknown) is only
  // shown by status: warning about every service after an upgrade would teach to ignore it.
  const startedWith = describeStartedWith(config, record);
  if (startedWith.kind === "outdated") {
    problem(
      "WARNING",
      `${name} running its current config`,
      `${startedWith.keys.join(", ")} changed since PID ${record.pid} started`,
      daemonUp
        ? `upkeep reload-config (or: upkeep restart ${name})`
        : `start the daemon, which restarts ${name} with the current config: ${input.startCommand}`,
    );
  }

  if (config.pidfile !== null) {
    const content = readPidfile(config.pidfile);
    if (content.kind !== "pid" || content.pid !== record.pid) {
      const found =
        content.kind === "pid"
          ? `it names PID ${content.pid}`
          : content.kind === "absent"
            ? "it does not exist"
            : content.kind === "refused"
              ? `it ${content.reason}`
              : `it holds ${content.text}`;
      problem(
        "WARNING",
        `pidfile ${config.pidfile} naming PID ${record.pid}`,
        found,
        `upkeep restart ${name}`,
      );
    }
  }

  if (declaresTree(config)) {
    const stats = findTreeMembers(selectorOf(record), table);
    const findings = evaluateTree(config, membersOf(stats), record.pid, ctx.listening());
    result.children = findings.children.map((c) => ({
      name: c.spec.name,
      expected: c.spec.count,
      pids: c.pids,
    }));
    result.ports = findings.ports.map((p) => ({ port: p.port, child: p.child, holders: p.holders }));
    for (const unmet of describeUnmet(findings)) {
      const { outsider } = unmet;
      const remedy = outsider
        ? `stop PID ${outsider.pid} (kill ${outsider.pid}), then: upkeep restart ${name}`
        : `upkeep restart ${name}`;
      problem("CRITICAL", unmet.expected, unmet.found, remedy);
    }
  }
  const probe = view.probe;
  if (probe && probe.failures >= probe.threshold) {
    // "It runs but is not answering": as bad as a lost port.
    problem(
      "CRITICAL",
      `health probe ${probe.what} passing`,
      `it failed ${probe.failures === 1 ? "once" : `${probe.failures} times in a row`}; last: ${probe.last}`,
      `read why: upkeep logs ${name} -n 50; then: upkeep restart ${name}`,
    );
  }
  return done();
}

/** Lazily shared reads: /proc/net once. */
interface SharedReads {
  listening: () => ReturnType<typeof readListeningSockets>;
}

/** The identity check from the process table when it proves the record live; else from /proc. */
function identityOf(record: ProcessRecord, table: IndexedTable): IdentityCheck {
  const stat = table.byPid.get(record.pid);
  const live = stat !== undefined && stat.startTime === record.startTime && !isDeadState(stat);
  return live && record.bootId === readBootId() ? { status: "live" } : checkIdentity(record);
}

/** Two services claiming one process (overlapping `match` patterns, one pidfile for two). */
function findSharedMains(services: readonly ServiceCheck[]): CheckProblem[] {
  const byPid = new Map<number, string[]>();
  for (const s of services) if (s.pid !== null) byPid.set(s.pid, [...(byPid.get(s.pid) ?? []), s.name]);
  return [...byPid]
    .filter(([, names]) => names.length > 1)
    .map(([pid, names]) => ({
      service: names[0]!,
      severity: "WARNING" as const,
      expected: `PID ${pid} to be the process of one service`,
      found: `it is the main process of ${names.join(", ")}`,
      remedy: `make their pidfile or match name different processes, then: upkeep restart ${names.join(" ")}`,
    }));
}

/**
 * The daemon supervises on, but what it learns is not durable: a crash now would lose which
 * process is which service (process records) and the operator's stops. CRITICAL for that.
 */
function storeProblem(store: StoreHealth, stateDir: string, now: number): CheckProblem {
  const since = store.since === null ? "" : ` for ${Math.round((now - store.since) / 1000)}s`;
  const lost = store.lostEvents > 0 ? `, ${store.lostEvents} events lost` : "";
  return {
    service: null,
    severity: "CRITICAL",
    expected: `the state store in ${stateDir} taking writes`,
    found:
      `${store.problem ?? "store unwritable"}${since}: ${store.pendingWrites} writes wait in memory ` +
      `(${store.pendingProcesses} process records among them, lost if the daemon died now)${lost}`,
    remedy: store.hint ?? `free space in ${stateDir} (df -h ${stateDir})`,
  };
}

/** The state dir's owner: the only user a daemon of it runs as (SPEC §6); null when unreadable. */
function ownerOf(stateDir: string): number | null {
  try {
    return statSync(stateDir).uid;
  } catch (err) {
    if (errnoOf(err) === undefined) throw err;
    return null;
  }
}

/** Runs the whole check. */
export function runCheck(input: CheckInput, now = Date.now()): CheckReport {
  const problems: CheckProblem[] = [];
  if (input.daemon === null) {
    problems.push({
      service: null,
      severity: "CRITICAL",
      expected: "the upkeep daemon running",
      found: `no daemon holds state dir ${input.stateDir}; services are not watched or restarted`,
      remedy: input.startCommand,
    });
  }
  if (input.store && !input.store.ok) problems.push(storeProblem(input.store, input.stateDir, now));
  if (input.storeProblem) {
    problems.push({
      service: null,
      severity: "CRITICAL",
      expected: `the daemon writing the state store at ${input.stateDir}/state.db`,
      found: input.storeProblem,
      remedy: "upkeep shutdown, then start the daemon again",
    });
  }
  const table = new IndexedTable(scanProcesses());
  let listening: ReturnType<typeof readListeningSockets> | null = null;
  const shared: SharedReads = { listening: () => (listening ??= readListeningSockets()) };
  const services = input.services.map((view) => checkOne(view, input, table, shared, problems));
  let inTrees: Set<number> | null = null;
  const inAnyTree = (pid: number): boolean => {
    inTrees ??= new Set(
      input.services
        .flatMap((v) => (v.record ? findTreeMembers(selectorOf(v.record), table) : []))
        .map((s) => s.pid),
    );
    return inTrees.has(pid);
  };
  problems.push(
    ...findDuplicates({
      services: input.services,
      table,
      inAnyTree,
      stateId: stateDirId(input.stateDir),
      ownerUid: ownerOf(input.stateDir),
    }),
  );
  problems.push(...findSharedMains(services));
  problems.push(...findServicesWithoutCgroups(input.services, services));
  for (const record of input.orphanRecords) {
    const identity = checkIdentity(record);
    const what =
      identity.status === "live"
        ? `PID ${record.pid} still runs`
        : `stale: ${describeCheck(record, identity)}`;
    problems.push({
      service: record.service,
      severity: "WARNING",
      expected: `no record of ${record.service}, which is no longer in the config`,
      found: `a process record (${what})`,
      remedy: input.daemon
        ? "upkeep reload-config"
        : `start the daemon, which cleans it up: ${input.startCommand}`,
    });
  }
  return summarize(services, problems, input.daemon, now);
}
