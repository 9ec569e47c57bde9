import {
  cleanCgroupLeftovers,
  describeHeldPorts,
  findHeldPorts,
  killProvenHolders,
  waitForPortsToLeaveListen,
} from "./port-preflight.js";
import type { ServiceConfig } from "../config/model.js";
import { processShapeOf } from "../config/process-shape.js";
import { stopWaitMs } from "../config/shutdown-time.js";
import type { EventRecord, NewEvent, ProcessRecord, ServiceRecord, StateStore } from "../store/store.js";
import { initialContext, transition, type MachineContext } from "./machine.js";
import { restoreAttempts } from "./start-limit.js";
import type { ServiceOutput } from "./output.js";
import { captureIdentity } from "../identity/process-identity.js";
import { describeUnrecorded } from "./record-tie.js";
import type { IdentityWatcher } from "../identity/watch.js";
import { describeExitForLog, performTreeEffect, selectorOf } from "./tree-effects.js";
import { removePidFile, writePidFile } from "./pid-file.js";
import { spawnService, type Spawned } from "./spawn.js";
import { startForkingService } from "./forking-start.js";
import { runStopCommand } from "./stop-command.js";
import { randomUUID } from "node:crypto";
import type { Effect, MachineEvent, ServiceState } from "./states.js";
import type { PreparedReadiness } from "./readiness.js";
import type { ReapedStatus } from "../core/child-claims.js";

/** Events that end a start attempt: in `starting`, a restart "now" after one is a new attempt. */
const ENDS_A_START: ReadonlySet<MachineEvent["type"]> = new Set(["exited", "spawn_failed", "not_ready"]);
/** After a gate that failed to check, how soon it looks again. */
const GATE_RETRY_MS = 5000;

/** What a runner needs from the daemon around it. */
export interface RunnerDeps {
  store: StateStore;
  publish(event: EventRecord): void;
  stateDir: string;
  bootId: string;
  cgroupPath: string | null;
  watcher: IdentityWatcher;
  now(): number;
  random(): number;
  /** The other service whose main process `pid` is, if any (two services never share one). */
  mainProcessOf?(pid: number, except: string): string | null;
  /** The PIDs of live processes carrying this state dir's id and the service's name (record-tie.ts). */
  unrecordedOf?(service: string): number[];
  /** Called when an effect throws: the daemon records it and goes on (a service fault never stops it). */
  onFault(service: string, err: unknown): void;
  /**
   * Resolves once the service's dependencies and condition hold (`after`, `requires`,
   * `condition`), calling `blocked` with each new reason to wait meanwhile. Not called after
   * `signal` aborts. Without it a gated start goes on at once.
   */
  gate?(runner: ServiceRunner, signal: AbortSignal, blocked: (reason: string) => void): Promise<void>;
  /** The service's readiness for its next start, or null when it is ready once spawned. Throws when it cannot be prepared. */
  readiness?(runner: ServiceRunner): PreparedReadiness | null;
  /**
   * While the daemon starts its services: settles once every start has been made. PID files
   * wait for it, so that a cold start's spawns and records come first (the store's record is
   * what upkeep trusts; the files are for other tools). Null or absent: no wait.
   */
  pidFilesHeld?(): Promise<void> | null;
  /**
   * Told of each event handled, once its change is stored and before its effects run (so the
   * record of a process that ended is still set): the incident recorder's hook. Returns at once.
   */
  onHandled?(
    runner: ServiceRunner,
    event: MachineEvent,
    before: ServiceState,
    at: number,
    reason: string,
  ): void;
}

/**
 * Performs the state machine's effects for one service: one queue, one event at a time, and
 * nothing else ever assigns its state. Effects that report back (spawned, ready) are handled
 * before the next queued event, so the machine always sees them in order.
 *
 * Longer than most files here on purpose: every effect is performed in this one queue, which
 * alone owns the service's state; the procedures behind the effects live in their own files
 * (spawn.ts, forking-start.ts, stop-command.ts, tree-effects.ts, port-preflight.ts).
 */
export class ServiceRunner {
  state: ServiceState = "stopped";
  context: MachineContext;
  since: number;
  reason = "not started yet";
  record: ProcessRecord | null = null;
  /** Set by `start --force` / `daemon --force`: the next start may take over an untied pidfile PID. */
  forceNextStart = false;
  /**
   * Set when processes of this service from this state dir ran that no record names (the store
   * was lost) and none could be adopted: no start runs while such a process lives (record-tie.ts).
   */
  refuseWhileUnrecorded = false;
  /** Aborts the forking or external start in progress (a stop or restart was asked for). */
  private startAbort: AbortController | null = null;
  private child: Spawned | null = null;
  private timer: NodeJS.Timeout | null = null;
  private unwatch: (() => void) | null = null;
  /** `guard`: a wait's controller; its result is dropped if the wait was given up meanwhile. */
  private readonly queue: { event: MachineEvent; done: () => void; guard?: AbortController }[] = [];
  private busy = false;
  /** Set when the daemon leaves its services running (leaveRunning): no event is handled again. */
  private left = false;
  private readonly listeners = new Set<() => void>();
  /** The wait for dependencies and condition while `waiting`. */
  private gateAbort: AbortController | null = null;
  /** The chain of PID file operations (see pidFile). */
  private pidFileOps: Promise<void> = Promise.resolve();
  /** The readiness of the current start, from its spawn until it is ready or over. */
  private prepared: PreparedReadiness | null = null;
  private readyAbort: AbortController | null = null;
  /**
   * The process record of a start, stored with the `spawned` (or `adopted`) change it leads to,
   * in one transaction: before its spawn event, never without it.
   */
  private unsavedRecord: ProcessRecord | null = null;
  /** While a daemon shutdown stops the service: the desired state the store keeps meanwhile. */
  private shutdownDesired: MachineContext["desired"] | null = null;

  constructor(
    public config: ServiceConfig,
    readonly output: ServiceOutput,
    private readonly deps: RunnerDeps,
    saved: ServiceRecord | null,
  ) {
    this.context = initialContext(saved?.desired ?? "up");
    this.since = deps.now();
    if (saved) {
      this.context.restarts = saved.restarts;
      // The size of the newest mark's group is not stored: it counts as one attempt again.
      const restored = restoreAttempts(config.startLimit, saved.attempts);
      this.context.attempts = restored.attempts;
      this.context.attemptsInNewest = restored.inNewest;
      this.context.lastExitCode = saved.lastExitCode;
      this.context.lastSignal = saved.lastSignal;
      if (saved.desired === "down") this.reason = "stopped by the operator: start it with `upkeep start`";
    }
  }

  /**
   * Stop for a daemon shutdown. A shutdown is not operator intent (SPEC §6): the machine stops
   * the service as for `upkeep stop`, but the store goes on saying what the operator wanted,
   * so a daemon killed before the stop completes leaves the next one the same set to start.
   */
  async stopForShutdown(): Promise<void> {
    this.shutdownDesired ??= this.context.desired;
    await this.send({ type: "stop_requested" });
  }

  /** After the shutdown's stop: the context says again what the operator wanted. */
  endShutdownStop(): void {
    if (this.shutdownDesired !== null) this.context.desired = this.shutdownDesired;
    this.shutdownDesired = null;
  }

  /** The service's cgroup directory, when it runs in one. */
  get cgroupPath(): string | null {
    return this.deps.cgroupPath;
  }

  get name(): string {
    return this.config.name;
  }

  /**
   * How long a stop may take from the request: the stop timeout, and for forking and external
   * services also a start in progress, which the stop waits behind (at most start_timeout).
   */
  get stopWaitMs(): number {
    return stopWaitMs(this.config);
  }

  /**
   * Queue an event; resolves once it and its effects have been handled. An event with a
   * `guard` (the result of a readiness or gate wait) is dropped when that wait was given up
   * before the event's turn came: it belongs to a start that is over.
   */
  send(event: MachineEvent, guard?: AbortController): Promise<void> {
    // A stop must not wait behind a forking start's wait for its pidfile (up to start_timeout).
    if (event.type === "stop_requested" || event.type === "restart_requested") this.startAbort?.abort();
    return new Promise((done) => {
      this.queue.push({ event, done, ...(guard ? { guard } : {}) });
      void this.pump();
    });
  }

  /** Look at the dependencies and condition again now (a reload changed them or removed one). */
  recheckGate(): void {
    if (this.state === "waiting") this.awaitGate();
  }

  /** Take over a live recorded process (its identity was proven by the caller). */
  adopt(record: ProcessRecord): Promise<void> {
    this.record = record;
    // Written again: a daemon killed during its start-up may have left it unwritten (PID files
    // wait for the start's spawns), or someone removed it meanwhile.
    this.pidFile(() => writePidFile(this.deps.stateDir, this.name, record.pid));
    this.unwatch = this.deps.watcher.watch(record, (_why, status) => {
      void this.send(exitedEvent(status));
    });
    return this.send({ type: "adopted", pid: record.pid, startedAt: record.startedAt });
  }

  /** Calls `fn` after every event the runner has handled (its state may have changed); returns the unsubscribe. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Resolves true when the predicate holds, false at the deadline. */
  waitUntil(predicate: (runner: ServiceRunner) => boolean, timeoutMs: number): Promise<boolean> {
    if (predicate(this)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = (): void => {
        if (!predicate(this)) return;
        finish(true);
      };
      const timeout = setTimeout(() => finish(false), timeoutMs);
      const finish = (result: boolean): void => {
        clearTimeout(timeout);
        this.listeners.delete(check);
        resolve(result);
      };
      this.listeners.add(check);
    });
  }

  /**
   * The daemon leaves for an upgrade (`shutdown --leave-running`): stop acting on anything,
   * but leave the process and its record as they are. The event being handled finishes (at
   * most `settleMs`: a record it writes must not be lost); events after it are dropped.
   */
  async leaveRunning(settleMs: number): Promise<void> {
    this.left = true;
    this.dispose();
    const deadline = Date.now() + settleMs;
    while (this.busy && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  /** Stop listening to timers and watchers (daemon shutdown or service removed). */
  dispose(): void {
    this.cancelTimer();
    this.gateAbort?.abort();
    this.endReadiness();
    this.unwatch?.();
    this.unwatch = null;
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (let item = this.queue.shift(); item; item = this.queue.shift()) {
        if (!item.guard?.signal.aborted && !this.left) await this.handle(item.event);
        item.done();
      }
    } finally {
      this.busy = false;
    }
  }

  private async handle(event: MachineEvent): Promise<void> {
    const now = this.deps.now();
    if (event.type === "exited") {
      this.output.drainNow();
      this.output.marker(describeExitForLog(event));
    }
    const before = this.state;
    const t = transition(before, this.context, event, this.config, now, () => this.deps.random());
    // A new reason to wait is shown (and recorded) although the state stays `waiting`; the
    // same reason again changes nothing, so it is neither written nor told to listeners.
    const newWait = event.type === "gate_blocked" && t.state === "waiting" && t.reason !== this.reason;
    if (event.type === "gate_blocked" && !newWait) return;
    this.state = t.state;
    this.context = t.context;
    // A restart decided while starting (it died, could not spawn, was not ready; no backoff)
    // stays `starting` but begins anew: its reason, time and state event are a change's.
    const anew = before === "starting" && t.state === "starting" && ENDS_A_START.has(event.type);
    if (t.state !== before || anew || newWait) {
      if (t.state !== before || anew) this.since = now;
      this.reason = t.reason;
    }
    if (before === "waiting" && t.state !== "waiting") this.gateAbort?.abort();
    if (before === "starting" && t.state !== "starting") this.endReadiness();
    try {
      await this.persist(before, t.reason, event, now, newWait || anew);
    } catch (err) {
      this.deps.onFault(this.name, err);
    }
    try {
      this.deps.onHandled?.(this, event, before, now, t.reason);
    } catch (err) {
      this.deps.onFault(this.name, err);
    }
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch (err) {
        this.deps.onFault(this.name, err); // a watcher's fault must not stop the queue
      }
    }
    for (const effect of t.effects) {
      try {
        await this.perform(effect);
      } catch (err) {
        this.deps.onFault(this.name, err);
      }
    }
  }

  private async persist(
    before: ServiceState,
    reason: string,
    event: MachineEvent,
    now: number,
    /** A new reason to wait, or a start begun anew: a state event although the state stays. */
    asChange: boolean,
  ): Promise<void> {
    const { store } = this.deps;
    const service: ServiceRecord = {
      hostId: store.hostId,
      service: this.name,
      desired: this.shutdownDesired ?? this.context.desired,
      state: this.state,
      reason: this.reason,
      since: this.since,
      restarts: this.context.restarts,
      lastExitCode: this.context.lastExitCode,
      lastSignal: this.context.lastSignal,
      attempts: this.context.attempts,
    };
    const events: NewEvent[] = [];
    const base = { ts: now, service: this.name };
    if (event.type === "spawned") {
      events.push({
        ...base,
        kind: "spawn",
        reason: `started PID ${event.pid}`,
        details: { pid: event.pid, argv: this.config.command },
      });
    } else if (event.type === "exited") {
      const { code, signal, statusKnown } = event;
      events.push({
        ...base,
        kind: "exit",
        reason: describeExitForLog(event),
        details: { code, signal, status_known: statusKnown },
      });
    } else if (event.type === "adopted") {
      events.push({
        ...base,
        kind: "adopted",
        reason: `adopted live PID ${event.pid}${event.tie === undefined ? "" : ` (${event.tie})`}`,
        details: { pid: event.pid },
      });
    }
    // Every change of state is an event; so are decisions that change nothing but tell the
    // operator something (a stop timeout's SIGKILL, a request that found nothing to do).
    // A request that changes nothing (a second stop) is an action answered, not a transition.
    const notable = event.type === "timer_fired" || event.type.endsWith("_requested");
    if (this.state !== before || asChange)
      events.push({ ...base, kind: "state", from: before, to: this.state, reason });
    else if (notable)
      events.push({ ...base, kind: event.type === "timer_fired" ? "state" : "action", reason });
    const process = this.unsavedRecord;
    this.unsavedRecord = null;
    const stored = await store.writeBatch({ ...(process ? { process } : {}), service, events });
    for (const e of stored) this.deps.publish(e);
    // The PID file follows the stored record, off the state machine's path (see pidFile).
    if (process) this.pidFile(() => writePidFile(this.deps.stateDir, this.name, process.pid));
  }

  private async perform(effect: Effect): Promise<void> {
    switch (effect.type) {
      case "spawn":
        return this.spawn();
      case "await_gate":
        return this.awaitGate();
      case "await_ready":
        // A oneshot is never "ready": it stays starting until it exits (0 = success).
        if (this.config.type === "oneshot") return;
        if (this.prepared === null || this.record === null) return this.handle({ type: "ready" });
        return this.awaitReady(this.prepared, this.record);
      case "signal":
        if (this.state === "stopping" && this.config.stopCommand !== null) return this.runStopCommand();
        if (this.record) await this.treeEffect(this.record, effect);
        return;
      case "kill_tree":
        if (this.record) await this.treeEffect(this.record, effect);
        return;
      case "clear_record":
        return this.clearRecord();
      case "arm_timer": {
        this.cancelTimer();
        const { purpose } = effect;
        this.timer = setTimeout(() => {
          this.timer = null;
          void this.send({ type: "timer_fired", purpose });
        }, effect.ms);
        return;
      }
      case "cancel_timer":
        this.cancelTimer();
        return;
      default: {
        const never: never = effect;
        throw new Error(`unhandled effect ${JSON.stringify(never)}`);
      }
    }
  }

  private async spawn(): Promise<void> {
    // --force is for one start, whatever the type and however it ends: consumed here.
    const force = this.forceNextStart;
    this.forceNextStart = false;
    const duplicate = this.unrecordedStillRunning();
    if (duplicate !== null) {
      this.output.marker(`not started: ${duplicate}`);
      return this.handle({ type: "spawn_failed", error: duplicate, fatal: true });
    }
    // Nothing of the service may run before a start: what its own cgroup still holds (a tree
    // whose record was lost with the state dir, a survivor of an earlier kill) is proven
    // upkeep's and killed. Not for external services: theirs may be the process to adopt.
    if (this.config.type !== "external") {
      const { killed, survivors } = await cleanCgroupLeftovers(this.deps.cgroupPath);
      if (killed.length > 0) {
        this.output.marker(`killed leftovers of an earlier run in its cgroup: PIDs ${killed.join(", ")}`);
        await waitForPortsToLeaveListen(this.config.listen);
      }
      if (survivors.length > 0) {
        const message =
          `leftovers of an earlier run survived SIGKILL in its cgroup: PIDs ${survivors.join(", ")} ` +
          `(stuck in the kernel, state D?); see them with: ps -o pid,stat,wchan,cmd -p ${survivors.join(",")}`;
        this.output.marker(`not started: ${message}`);
        return this.handle({ type: "spawn_failed", error: message });
      }
    }
    let config: ServiceConfig;
    try {
      config = this.prepareReadiness();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.output.marker(`not started: ${message}`);
      return this.handle({ type: "spawn_failed", error: message });
    }
    if (this.config.type === "forking" || this.config.type === "external")
      return this.startForking(config, force);
    const blocked = await this.portsBlocked();
    if (blocked !== null) return this.handle({ type: "spawn_failed", error: blocked });
    let spawned;
    try {
      spawned = await spawnService(config, this.output, this.deps.cgroupPath, {
        announce: (pid) => `started PID ${pid}`,
      });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.output.marker(`failed to start: ${message}`);
      return this.handle({ type: "spawn_failed", error: message });
    }
    const { pid, runId } = spawned;
    const identity = captureIdentity(pid);
    this.child = spawned;
    this.record = this.newRecord({
      pid,
      startTime: identity?.startTime ?? 0,
      argv: this.config.command,
      pgid: pid,
      runId,
      cgroup: this.deps.cgroupPath,
    });
    void spawned.exited.then(({ code, signal }) => {
      // An exit of an earlier process (already cleaned up) must not end the current one.
      if (this.child !== spawned) return;
      return this.send({ type: "exited", code, signal, statusKnown: true });
    });
    this.unsavedRecord = this.record; // stored with the `spawned` change (persist)
    return this.handle({ type: "spawned", pid });
  }

  /** Why a start would be a second copy of unrecorded processes still running, or null (then forgotten). */
  private unrecordedStillRunning(): string | null {
    if (!this.refuseWhileUnrecorded) return null;
    const pids = this.deps.unrecordedOf?.(this.name) ?? [];
    if (pids.length === 0) this.refuseWhileUnrecorded = false;
    return pids.length === 0 ? null : describeUnrecorded(this.name, pids);
  }

  /** A process record of this service, started now on this boot. */
  private newRecord(
    fields: Pick<ProcessRecord, "pid" | "startTime" | "argv" | "pgid" | "runId" | "cgroup">,
  ): ProcessRecord {
    const { store, bootId } = this.deps;
    // The shape is of the config as written (not the readiness additions to its environment):
    // a later daemon compares it with its config to see what changed while none ran.
    const shape = processShapeOf(this.config);
    return { hostId: store.hostId, service: this.name, bootId, startedAt: this.deps.now(), shape, ...fields };
  }

  /** The port pre-flight (SPEC §6): why the start must not run, or null when the ports are free. */
  private async portsBlocked(): Promise<string | null> {
    if (this.config.listen.length === 0) return null;
    let held = findHeldPorts(this.name, this.config.listen, this.deps.cgroupPath);
    const killed = await killProvenHolders(held);
    if (killed.length > 0) {
      this.output.marker(`killed leftovers of an earlier run holding its ports: PIDs ${killed.join(", ")}`);
      held = findHeldPorts(this.name, this.config.listen, this.deps.cgroupPath);
    }
    if (held.length === 0) return null;
    const message = describeHeldPorts(this.name, held);
    this.output.marker(`not started: ${message}`);
    return message;
  }

  /** forking and external: run the start procedure, then watch the main process it found. */
  private async startForking(config: ServiceConfig, force: boolean): Promise<void> {
    const abort = new AbortController();
    this.startAbort = abort;
    const started = await startForkingService(
      config,
      this.output,
      this.deps.cgroupPath,
      { force, signal: abort.signal, claimedBy: (pid) => this.deps.mainProcessOf?.(pid, this.name) ?? null },
      () => this.portsBlocked(),
    ).finally(() => {
      if (this.startAbort === abort) this.startAbort = null;
    });
    if (started.kind === "failed") {
      this.output.marker(`failed to start: ${started.error}`);
      return this.handle({ type: "spawn_failed", error: started.error, fatal: started.fatal });
    }
    const { stat, argv } = started.main;
    const { launch } = started;
    // Checked again right before the record is taken (no await in between): two services
    // starting at once must not both take one process.
    const owner = this.deps.mainProcessOf?.(stat.pid, this.name) ?? null;
    if (owner !== null) {
      const error = `PID ${stat.pid} from ${started.main.source} is already the main process of ${owner}; make their pidfile or match name different processes`;
      this.output.marker(`failed to start: ${error}`);
      return this.handle({ type: "spawn_failed", error, fatal: true });
    }
    // The recorded group and session select the tree only when they are the daemon's own or
    // the start command's: a process started by others may share its operator's shell session.
    const ownGroup = stat.pgid === stat.pid || (launch !== null && stat.pgid === launch.pid);
    this.record = this.newRecord({
      pid: stat.pid,
      startTime: stat.startTime,
      argv,
      pgid: ownGroup ? stat.pgid : 0,
      runId: launch?.runId ?? randomUUID(),
      cgroup: launch?.cgroup ?? null,
    });
    const record = this.record;
    this.unwatch = this.deps.watcher.watch(record, (_why, status) => {
      if (this.record !== record) return;
      void this.send(exitedEvent(status));
    });
    this.output.marker(`main process PID ${stat.pid} from ${started.main.source}: ${started.main.tie ?? ""}`);
    this.unsavedRecord = record; // stored with the `adopted` or `spawned` change (persist)
    if (started.alreadyRunning) {
      const tie = started.main.tie ?? "tied to the service";
      return this.handle({ type: "adopted", pid: stat.pid, startedAt: record.startedAt, tie });
    }
    return this.handle({ type: "spawned", pid: stat.pid });
  }

  /** The stop command of a forking or external service; the stop timeout's SIGKILL still follows. */
  private async runStopCommand(): Promise<void> {
    const record = this.record;
    const fallBack = async (why: string): Promise<void> => {
      this.output.marker(`stop command ${why}; sending ${this.config.stop.signal}`);
      if (this.state === "stopping" && record !== null && this.record === record)
        await this.treeEffect(record, { type: "signal", signal: this.config.stop.signal });
    };
    await runStopCommand(this.config, this.output, fallBack, (err) => this.deps.onFault(this.name, err));
  }

  private async treeEffect(
    record: ProcessRecord,
    effect: Extract<Effect, { type: "signal" | "kill_tree" }>,
  ): Promise<void> {
    const { survivors } = await performTreeEffect(selectorOf(record), effect);
    if (survivors.length === 0) return;
    const reason = `processes of the old tree survived SIGKILL: PIDs ${survivors.join(", ")}`;
    const event = {
      ts: this.deps.now(),
      service: this.name,
      kind: "state" as const,
      from: this.state,
      to: this.state,
      reason,
      details: { survivors },
    };
    this.deps.publish(await this.deps.store.appendEvent(event));
  }

  private async clearRecord(): Promise<void> {
    this.unwatch?.();
    this.unwatch = null;
    this.child = null;
    this.record = null;
    await this.deps.store.deleteProcess(this.name);
    this.pidFile(() => removePidFile(this.deps.stateDir, this.name));
  }

  /** The config to spawn with: the service's own, plus what its readiness needs in the environment. */
  private prepareReadiness(): ServiceConfig {
    this.endReadiness();
    this.prepared = this.deps.readiness?.(this) ?? null;
    const extra = this.prepared?.env ?? {};
    if (Object.keys(extra).length === 0) return this.config;
    return { ...this.config, env: { ...this.config.env, ...extra } };
  }

  private endReadiness(): void {
    this.readyAbort?.abort();
    this.readyAbort = null;
    this.prepared?.dispose();
    this.prepared = null;
  }

  /** Waits in the background: the queue stays free for a stop while the service starts. */
  private awaitReady(prepared: PreparedReadiness, record: ProcessRecord): void {
    const abort = new AbortController();
    this.readyAbort = abort;
    void prepared.wait(record, abort.signal).then(
      (result) => {
        if (abort.signal.aborted || this.record !== record) return;
        const event: MachineEvent = result.ok
          ? { type: "ready", detail: result.detail }
          : { type: "not_ready", reason: result.detail };
        return this.send(event, abort);
      },
      (err: unknown) => {
        this.deps.onFault(this.name, err);
        if (abort.signal.aborted) return;
        const reason = `readiness could not be checked: ${err instanceof Error ? err.message : String(err)}`;
        return this.send({ type: "not_ready", reason }, abort);
      },
    );
  }

  private awaitGate(): void {
    this.gateAbort?.abort();
    if (this.deps.gate === undefined) {
      void this.send({ type: "gate_open" });
      return;
    }
    const abort = new AbortController();
    this.gateAbort = abort;
    const blocked = (reason: string): void => {
      if (!abort.signal.aborted) void this.send({ type: "gate_blocked", reason }, abort);
    };
    this.deps.gate(this, abort.signal, blocked).then(
      () => {
        if (!abort.signal.aborted) void this.send({ type: "gate_open" }, abort);
      },
      (err: unknown) => {
        // The gate handles its own failures; this is the last line: say so, and look again soon.
        this.deps.onFault(this.name, err);
        blocked(
          `dependencies and condition could not be checked: ${err instanceof Error ? err.message : String(err)}`,
        );
        const retry = setTimeout(() => {
          if (this.gateAbort === abort && !abort.signal.aborted) this.awaitGate();
        }, GATE_RETRY_MS);
        retry.unref();
      },
    );
  }

  /**
   * PID file writes and removals, in order, off the state machine's path: the process record
   * in the store is what identity rests on, and it is written before `spawned`; the PID file
   * is for operators and their tools, and waiting for its write (a file create costs most of a
   * millisecond on the disks seen here) would delay every start and restart.
   */
  private pidFile(op: () => Promise<void> | void): void {
    const held = this.deps.pidFilesHeld?.() ?? null;
    const before = held === null ? this.pidFileOps : Promise.all([this.pidFileOps, held]);
    this.pidFileOps = before.then(op).catch((err: unknown) => this.deps.onFault(this.name, err));
  }

  /** Resolves once every PID file write and removal asked for so far is done. */
  pidFileSettled(): Promise<void> {
    return this.pidFileOps;
  }

  private cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/**
 * The exit of a main process that was not spawned by the runner: its status when the daemon's
 * reaper took it (a forking master re-parented to the daemon), else unknown.
 */
function exitedEvent(status: ReapedStatus | null): MachineEvent {
  if (status === null) return { type: "exited", code: null, signal: null, statusKnown: false };
  return { type: "exited", code: status.code, signal: status.signal, statusKnown: true };
}
