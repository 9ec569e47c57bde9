/**
 * The daemon's continuous watch of `children:` and `listen:` (issue: "it runs but is not
 * listening"). Without a periodic scan of every process:
 *  - after a service becomes running, its tree is evaluated a few times while it settles
 *    (a master forks its children and opens its ports after it starts), then judged;
 *  - each declared child's PID is watched like any non-child process (pidfd: its death is
 *    seen at once); a death re-evaluates the tree after CHILD_GRACE_MS, so a master that
 *    replaces its child is not reported;
 *  - declared ports are looked up every PORT_TICK_MS in /proc/net/tcp{,6} only (one read for
 *    all services); a port gone from LISTEN re-evaluates that service's tree;
 *  - a service found wanting gets one `unhealthy` event (and a restart when `health.restart_on`
 *    names the kind); it is re-evaluated every UNHEALTHY_RECHECK_MS until it is whole again,
 *    which is a `recovered` event.
 * A tree evaluation scans /proc once (findTreeMembers) and reads only the members' fds.
 */
import {
  declaredPorts,
  declaresTree,
  describeUnmet,
  evaluateTree,
  membersOf,
  type Unmet,
} from "../service/tree-expectations.js";
import { readListeningSockets } from "../identity/proc-net.js";
import { cgroupMembers, findTreeMembers } from "../identity/process-tree.js";
import type { IdentityWatcher } from "../identity/watch.js";
import type { ServiceRunner } from "../service/runner.js";
import { selectorOf } from "../service/tree-effects.js";
import type { NewEvent } from "../store/store.js";
import type { LastSamples } from "./last-samples.js";

/** When, after a service starts running, its tree is evaluated until it is whole (ms after running). */
const SETTLE_SCHEDULE_MS = [100, 300, 700, 1500, 3000, 5000];
const CHILD_GRACE_MS = 1000;
const PORT_TICK_MS = 5000;
/** An unhealthy tree is read again after 5 s, then 10, 20, 40 and every 60 s. */
const UNHEALTHY_RECHECK_MS = [5000, 10_000, 20_000, 40_000, 60_000];

/** What the tree held at the last evaluation, for `status` (ports, children). */
export interface TreeObservation {
  ports: number[];
  children: { pid: number; name: string }[];
  unmet: Unmet[];
}

interface Watched {
  runner: ServiceRunner;
  /** The record evaluated: a new start is a new watch. */
  pid: number;
  phase: "settling" | "healthy" | "unhealthy";
  timer: NodeJS.Timeout | null;
  unwatchChildren: (() => void)[];
  observation: TreeObservation | null;
  /** Rechecks done while unhealthy: the step of UNHEALTHY_RECHECK_MS. */
  rechecks: number;
}

export class TreeWatch {
  private readonly watched = new Map<string, Watched>();
  /** Services reported unhealthy and not yet whole again (across restarts): owed a `recovered`. */
  private readonly reportedUnhealthy = new Set<string>();
  private portTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly watcher: IdentityWatcher,
    private readonly emit: (event: Omit<NewEvent, "ts">) => Promise<unknown>,
    /** Receives what goes wrong in the background (a store write); the daemon records it. */
    private readonly onFault: (service: string, err: unknown) => void,
    /** Keeps what each evaluation read, for the service's next incident. */
    private readonly samples: LastSamples | null = null,
  ) {}

  /** Runs background work so that a failure is reported, never an unhandled rejection. */
  private guard(name: string, work: Promise<unknown>): void {
    work.catch((err: unknown) => this.onFault(name, err));
  }

  /** True while the entry still watches the runner's current running process. */
  private isCurrent(entry: Watched): boolean {
    const { runner } = entry;
    return (
      this.watched.get(runner.name) === entry &&
      runner.state === "running" &&
      runner.record?.pid === entry.pid &&
      runner.context.desired === "up"
    );
  }

  /** Follows a runner's state: watching while it runs, nothing otherwise. Returns the detach. */
  attach(runner: ServiceRunner): () => void {
    const sync = (): void => this.sync(runner);
    const off = runner.onChange(sync);
    sync();
    return () => {
      off();
      this.drop(runner.name);
    };
  }

  /** Starts the watch over with the runner's current config (after a live config change). */
  refresh(runner: ServiceRunner): void {
    this.drop(runner.name);
    this.sync(runner);
  }

  /** The last evaluation of a service's tree, or null when it is not watched. */
  observationOf(name: string): TreeObservation | null {
    return this.watched.get(name)?.observation ?? null;
  }

  close(): void {
    for (const name of [...this.watched.keys()]) this.drop(name);
  }

  private sync(runner: ServiceRunner): void {
    const current = this.watched.get(runner.name);
    const pid = runner.record?.pid ?? null;
    const wanted = runner.state === "running" && pid !== null && declaresTree(runner.config);
    if (current !== undefined && (!wanted || current.pid !== pid)) this.drop(runner.name);
    if (!wanted || this.watched.has(runner.name)) return;
    const entry: Watched = {
      runner,
      pid,
      phase: "settling",
      timer: null,
      unwatchChildren: [],
      observation: null,
      rechecks: 0,
    };
    this.watched.set(runner.name, entry);
    this.settle(entry, 0);
    this.updatePortTimer();
  }

  private drop(name: string): void {
    const entry = this.watched.get(name);
    if (entry === undefined) return;
    if (entry.timer !== null) clearTimeout(entry.timer);
    for (const unwatch of entry.unwatchChildren) unwatch();
    this.watched.delete(name);
    this.updatePortTimer();
  }

  private schedule(entry: Watched, ms: number, fn: () => void): void {
    if (entry.timer !== null) clearTimeout(entry.timer);
    entry.timer = setTimeout(() => {
      entry.timer = null;
      if (this.watched.get(entry.runner.name) === entry) fn();
    }, ms);
    entry.timer.unref();
  }

  /** Evaluates at the settle schedule's step; whole → healthy, still wanting at the end → unhealthy. */
  private settle(entry: Watched, step: number): void {
    const previous = step === 0 ? 0 : SETTLE_SCHEDULE_MS[step - 1]!;
    this.schedule(entry, SETTLE_SCHEDULE_MS[step]! - previous, () => {
      const unmet = this.evaluate(entry);
      if (unmet === null) return;
      if (unmet.length === 0) return this.becomeHealthy(entry);
      if (step + 1 < SETTLE_SCHEDULE_MS.length) return this.settle(entry, step + 1);
      const waited = SETTLE_SCHEDULE_MS.at(-1)! / 1000;
      this.guard(
        entry.runner.name,
        this.becomeUnhealthy(entry, unmet, `${waited}s after it started running`),
      );
    });
  }

  /** Reads the tree; null when the service's process is gone (its exit is handled elsewhere). */
  private evaluate(entry: Watched): Unmet[] | null {
    const record = entry.runner.record;
    if (record === null || record.pid !== entry.pid) return null;
    const members = membersOf(cgroupMembers(selectorOf(record)) ?? findTreeMembers(selectorOf(record)));
    const findings = evaluateTree(entry.runner.config, members, record.pid, readListeningSockets());
    const unmet = describeUnmet(findings);
    const ports = new Map<number, number[]>();
    for (const p of findings.ports)
      for (const pid of p.holders) ports.set(pid, [...(ports.get(pid) ?? []), p.port]);
    this.samples?.note(
      entry.runner.name,
      record.pid,
      "tree",
      members.map((m) => m.stat),
      { ports },
    );
    entry.observation = {
      ports: findings.ports.filter((p) => p.holders.length > 0).map((p) => p.port),
      children: findings.children.flatMap((c) => c.pids.map((pid) => ({ pid, name: c.spec.name }))),
      unmet,
    };
    this.watchChildren(
      entry,
      members.filter((m) => findings.children.some((c) => c.pids.includes(m.stat.pid))),
    );
    return unmet;
  }

  private watchChildren(entry: Watched, children: ReturnType<typeof membersOf>): void {
    for (const unwatch of entry.unwatchChildren) unwatch();
    const bootId = entry.runner.record?.bootId ?? "";
    entry.unwatchChildren = children.map((child) =>
      this.watcher.watch({ pid: child.stat.pid, startTime: child.stat.startTime, bootId }, () => {
        if (this.watched.get(entry.runner.name) !== entry || entry.phase === "settling") return;
        // Give the master a moment to replace it before judging.
        this.schedule(entry, CHILD_GRACE_MS, () => this.recheck(entry));
      }),
    );
  }

  private recheck(entry: Watched): void {
    const unmet = this.evaluate(entry);
    if (unmet === null) return;
    if (unmet.length === 0) return this.becomeHealthy(entry);
    if (entry.phase === "healthy")
      return this.guard(entry.runner.name, this.becomeUnhealthy(entry, unmet, "while running"));
    this.scheduleRecheck(entry);
  }

  private scheduleRecheck(entry: Watched): void {
    const ms = UNHEALTHY_RECHECK_MS[Math.min(entry.rechecks, UNHEALTHY_RECHECK_MS.length - 1)]!;
    entry.rechecks += 1;
    this.schedule(entry, ms, () => this.recheck(entry));
  }

  private becomeHealthy(entry: Watched): void {
    entry.phase = "healthy";
    entry.rechecks = 0;
    const name = entry.runner.name;
    if (!this.reportedUnhealthy.delete(name)) return;
    this.guard(
      name,
      this.emit({
        service: name,
        kind: "recovered",
        reason: `its tree is whole again (PID ${entry.pid}): every declared child and port is there`,
      }),
    );
  }

  private async becomeUnhealthy(entry: Watched, unmet: Unmet[], when: string): Promise<void> {
    entry.phase = "unhealthy";
    const { runner } = entry;
    this.reportedUnhealthy.add(runner.name);
    const restartOn = runner.config.restartOn;
    const restart = unmet.some((u) => restartOn.includes(u.kind));
    const what = unmet.map((u) => `expected ${u.expected}, found ${u.found}`).join("; ");
    const kinds = [...new Set(unmet.map((u) => u.kind))].join(", ");
    const action = restart
      ? `restarting it (health.restart_on: ${restartOn.join(", ")}; start_limit applies)`
      : `not restarted (add health.restart_on: [${kinds}] to restart it; or: upkeep restart ${runner.name})`;
    await this.emit({
      service: runner.name,
      kind: "unhealthy",
      reason: `unhealthy ${when}: ${what}; ${action}`,
      details: {
        pid: entry.pid,
        unmet: unmet.map(({ kind, expected, found }) => ({ kind, expected, found })),
      },
    });
    // The event write took a moment: the operator may have stopped the service, or it may have
    // died or restarted meanwhile. Only the same running process is restarted or watched on.
    if (!this.isCurrent(entry)) return;
    if (restart) {
      this.drop(runner.name);
      await runner.send({ type: "health_failed", reason: what });
      return;
    }
    this.scheduleRecheck(entry);
  }

  /** The port tick runs only while a healthy watched service declares ports. */
  private updatePortTimer(): void {
    const needed = [...this.watched.values()].some((e) => declaredPorts(e.runner.config).length > 0);
    if (needed && this.portTimer === null) {
      this.portTimer = setInterval(() => this.portTick(), PORT_TICK_MS);
      this.portTimer.unref();
    } else if (!needed && this.portTimer !== null) {
      clearInterval(this.portTimer);
      this.portTimer = null;
    }
  }

  private portTick(): void {
    const healthy = [...this.watched.values()].filter(
      (e) => e.phase === "healthy" && declaredPorts(e.runner.config).length > 0,
    );
    if (healthy.length === 0) return;
    const listening = new Set(
      readListeningSockets()
        .filter((s) => s.protocol === "tcp" || s.protocol === "tcp6")
        .map((s) => s.port),
    );
    for (const entry of healthy) {
      if (declaredPorts(entry.runner.config).some((port) => !listening.has(port))) this.recheck(entry);
    }
  }
}
