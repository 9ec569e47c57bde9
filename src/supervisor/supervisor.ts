import { join } from "node:path";
import type { Config, ServiceConfig } from "../config/model.js";
import { readBootId } from "../identity/boot-id.js";
import {
  createServiceCgroup,
  detectCgroupRoot,
  removeCgroup,
  removeEmptyCgroup,
} from "../identity/cgroup.js";
import { IdentityWatcher } from "../identity/watch.js";
import { FifoHolder } from "../logs/fifo-holder.js";
import { prepareServiceFiles, ServiceLog } from "../logs/service-log.js";
import { findStateDirProcesses, scopeOfStateDir, type StateDirScope } from "../service/record-tie.js";
import { ServiceRunner } from "../service/runner.js";
import { setDaemonVariable } from "../core/daemon-env.js";
import { BufferedStore } from "../store/buffered-store.js";
import type { EventRecord, NewEvent, ProcessRecord, ServiceRecord, StateStore } from "../store/store.js";
import { startRecovered, type RecoveryContext } from "./adopt.js";
import { recoverRemoved, recoverRunners } from "./recover-all.js";
import { StoreHealth } from "./store-health.js";
import { TreeWatch } from "./tree-watch.js";
import { STATE_ID_ENV, stateDirId } from "../config/state-dir-id.js";
import { EventBus } from "./event-bus.js";
import { inStopOrder, watchRequirements } from "./dependencies.js";
import { waitForGate } from "./gate.js";
import { HealthWatch } from "./health-watch.js";
import { IncidentRecorder } from "./incident-recorder.js";
import { LastSamples } from "./last-samples.js";
import { LimitsWatch } from "./limits-watch.js";
import { Readiness } from "./readiness.js";
import { describeLeftRunning, freezeRunners } from "./leave-running.js";

/** At shutdown, how long incidents still being put together may delay the daemon's exit. */
const INCIDENTS_SETTLE_MS = 3000;
/** How often the FIFO holder is checked for life. */
const HOLDER_CHECK_MS = 60_000;
/** The FIFO holder's cgroup, beside the services' (no service name starts with a dot). */
const HOLDER_CGROUP = ".fifo-holder";

/**
 * The set of services of one config: a runner and a log per service, recovery at start-up,
 * config changes, shutdown. Operator actions live in actions.ts, config reloads in
 * apply-config.ts; both work through this class.
 */
export class Supervisor {
  readonly runners = new Map<string, ServiceRunner>();
  readonly logs = new Map<string, ServiceLog>();
  readonly bus = new EventBus();
  readonly bootId = readBootId();
  readonly startedAt = Date.now();
  private readonly watcher = new IdentityWatcher();
  /** The last sample of each service's tree, refreshed by the watches below (incidents). */
  readonly samples = new LastSamples();
  /** Continuous watch of declared children and ports. */
  readonly treeWatch = new TreeWatch(
    this.watcher,
    (event) => this.emit(event),
    (service, err) => this.onFault(service, err),
    this.samples,
  );
  /** Periodic health probes of the services that declare one. */
  readonly healthWatch: HealthWatch;
  /** Resource limits of the services that set them. */
  readonly limitsWatch = new LimitsWatch(
    (event) => this.emit(event),
    (service, err) => this.onFault(service, err),
    () => this.shuttingDown,
    this.samples,
  );
  private readonly readiness: Readiness;
  private readonly followRequirements = watchRequirements(this.runners, () => this.shuttingDown);
  /** What each service's runner is attached to (tree, health, limits, requirements). */
  private readonly detach = new Map<string, (() => void)[]>();
  private readonly cgroupRoot = detectCgroupRoot();
  /** A short hash of the state dir names this daemon's cgroup subtree. */
  private readonly cgroupGroup: string;
  /** What ties a process to this state dir (record-tie.ts). */
  readonly scope: StateDirScope;
  shuttingDown = false;
  /** The state store; a write it cannot take waits in memory, never fatal (buffered-store.ts). */
  readonly store: BufferedStore;
  /** Records crashes and restarts with their evidence; null with `incidents: false`. */
  readonly incidents: IncidentRecorder | null;
  /** Whether the store's files are still the ones written (set by watchStore); null when not watched. */
  storeHealth: StoreHealth | null = null;
  /** Keeps every log FIFO open while no daemon runs (src/logs/fifo-holder.ts); null without it. */
  private fifoHolder: FifoHolder | null = null;
  /** During start(): PID files wait until every service has been started. */
  private pidFilesHold: { held: Promise<void>; release: () => void } | null = null;
  private holderCheck: NodeJS.Timeout | null = null;
  private holderCgroup: string | null = null;

  constructor(
    public config: Config,
    store: StateStore,
  ) {
    this.store = new BufferedStore(store, { dir: config.stateDir, publish: (e) => this.bus.publish(e) });
    this.incidents = config.incidents.enabled
      ? new IncidentRecorder({
          store: this.store,
          logsDir: this.logsDir,
          samples: this.samples,
          onFault: (service, err) => this.onFault(service, err),
        })
      : null;
    const incidents = this.incidents;
    if (incidents !== null) this.bus.subscribe((event) => incidents.noteEvent(event));
    this.cgroupGroup = stateDirId(config.stateDir);
    this.scope = scopeOfStateDir(config.stateDir);
    this.healthWatch = new HealthWatch(
      this.logsDir,
      (event) => this.emit(event),
      (service, err) => this.onFault(service, err),
      () => this.shuttingDown,
    );
    this.readiness = new Readiness(
      this.logsDir,
      this.cgroupGroup,
      (name) => this.runners.get(name)?.record ?? null,
    );
    // Given to every service (service-env.ts takes it from here, also with env_inherit: false):
    // with the service's name it proves a process was started by this daemon's state dir, also
    // without cgroups.
    setDaemonVariable(STATE_ID_ENV, this.cgroupGroup);
  }

  get logsDir(): string {
    return join(this.config.stateDir, "logs");
  }

  /** Watch the store's files with `look` (SqliteStore.checkFiles): a loss is reported at once. */
  watchStore(look: () => { problem: string; rebuilt: boolean } | null): void {
    this.storeHealth = new StoreHealth(look, (message) => {
      console.error(`upkeep: ${message}`);
      this.emit({ service: null, kind: "daemon", reason: message }).catch((err: unknown) => {
        console.error(`upkeep: could not record the store's loss: ${String(err)}`);
      });
    });
  }

  /** Record an event and hand it to followers. */
  async emit(event: Omit<NewEvent, "ts"> & { ts?: number }): Promise<EventRecord> {
    const record = await this.store.appendEvent({ ts: Date.now(), ...event });
    this.bus.publish(record);
    return record;
  }

  /**
   * Adopt or start every service of the config (SPEC §6 recovery). `force` (daemon --force):
   * a pidfile naming a process upkeep cannot tie to its service is taken over, not refused.
   */
  async start(options: { force?: boolean } = {}): Promise<void> {
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    this.pidFilesHold = { held, release };
    try {
      await this.startAll(options);
    } finally {
      this.releasePidFiles();
    }
  }

  /** The PID files held back during start-up are written now (see RunnerDeps.pidFilesHeld). */
  private releasePidFiles(): void {
    this.pidFilesHold?.release();
    this.pidFilesHold = null;
  }

  private async startAll(options: { force?: boolean }): Promise<void> {
    await this.emit({ service: null, kind: "daemon", reason: `daemon started (PID ${process.pid})` });
    const filesReady = prepareServiceFiles(
      this.logsDir,
      this.config.services.map((s) => s.name),
    );
    const records = new Map((await this.store.listProcesses()).map((r) => [r.service, r]));
    const saved = new Map((await this.store.listServices()).map((r) => [r.service, r]));
    // Every runner exists before any starts: a dependent must see its dependency's runner
    // (one not created yet would look like no dependency at all). Made in config order, each
    // once its files are there.
    const runners: ServiceRunner[] = [];
    for (const svc of this.config.services) {
      await filesReady.get(svc.name);
      runners.push(await this.addRunner(svc, saved.get(svc.name) ?? null));
    }
    // Once every FIFO is there: a new holder opens what it finds when it starts.
    await this.holdFifos();
    for (const runner of runners) runner.forceNextStart = options.force === true;
    // Every record is dealt with (adopted, or cleared as stale) before anything starts, so a
    // dependent never sees a dependency `stopped` only because its record is being cleared.
    const outcomes = await recoverRunners(runners, records, this.logs, this.recovery);
    // --force is for this start-up only: the start consumes it (startRecovered clears it when
    // nothing is started), so a later restart asks again.
    await Promise.all(runners.filter((_, i) => outcomes[i] === "cleared").map(startRecovered));
    await recoverRemoved([...records.values()], this.recovery);
  }

  /** Create the runner (and its log) of a service; its saved record restores desired state. */
  async addRunner(svc: ServiceConfig, savedRecord?: ServiceRecord | null): Promise<ServiceRunner> {
    const log = ServiceLog.open({
      logsDir: this.logsDir,
      service: svc.name,
      maxSizeBytes: svc.logs.maxSizeBytes,
      keep: svc.logs.keep,
      onDropped: (info) => {
        this.emit({
          service: svc.name,
          kind: "log_dropped",
          reason: `${info.bytes} bytes of ${info.stream} output lost: ${info.error}`,
          details: { ...info },
        }).catch((err: unknown) => {
          console.error(`upkeep: could not record lost output of ${svc.name}: ${String(err)}`);
        });
      },
    });
    const saved = savedRecord === undefined ? await this.store.getService(svc.name) : savedRecord;
    const cgroupPath = this.cgroupRoot ? this.serviceCgroup(svc.name) : null;
    const runner = new ServiceRunner(
      svc,
      log,
      {
        store: this.store,
        publish: (e) => this.bus.publish(e),
        stateDir: this.config.stateDir,
        bootId: this.bootId,
        cgroupPath,
        watcher: this.watcher,
        now: Date.now,
        random: Math.random,
        onFault: (service, err) => this.onFault(service, err),
        unrecordedOf: (service) => {
          const userOf = (name: string): string | null => this.runners.get(name)?.config.user ?? null;
          return (findStateDirProcesses(this.scope, userOf).get(service) ?? []).map((p) => p.pid);
        },
        gate: (r, signal, blocked) => waitForGate(this.runners, r, signal, blocked),
        pidFilesHeld: () => this.pidFilesHold?.held ?? null,
        readiness: (r) => this.readiness.prepare(r),
        onHandled: (r, event, before, at, reason) => this.incidents?.handled(r, event, before, at, reason),
        mainProcessOf: (pid, except) => {
          for (const [name, other] of this.runners)
            if (name !== except && other.record?.pid === pid) return name;
          return null;
        },
      },
      saved,
    );
    this.runners.set(svc.name, runner);
    this.logs.set(svc.name, log);
    this.detach.set(svc.name, [
      this.treeWatch.attach(runner),
      this.healthWatch.attach(runner),
      this.limitsWatch.attach(runner),
      this.followRequirements(runner),
    ]);
    return runner;
  }

  /** The last STATUS= a notify service's main process sent, for `status`. */
  notifyStatusOf(name: string): string | null {
    return this.readiness.statusOf(name);
  }

  /** RELOADING=1 / READY=1 from the service's tree, for a reload (see Readiness.watchNotify). */
  watchNotify(
    runner: ServiceRunner,
    record: ProcessRecord,
    onState: (state: "reloading" | "ready", pid: number) => void,
  ): (() => void) | null {
    return this.readiness.watchNotify(runner.name, record, onState);
  }

  /** After a live config change: a service whose `ready` is no longer notify closes its socket. */
  releaseReadiness(runner: ServiceRunner): void {
    this.readiness.release(runner);
  }

  /** Stop a service that left the config, then forget its runner (its events stay). */
  async removeRunner(name: string): Promise<void> {
    const runner = this.runners.get(name);
    if (!runner) return;
    await runner.send({ type: "stop_requested" });
    await runner.waitUntil((r) => r.state === "stopped", runner.stopWaitMs + 10_000);
    await runner.pidFileSettled();
    runner.dispose();
    for (const off of this.detach.get(name) ?? []) off();
    this.detach.delete(name);
    this.readiness.forget(name);
    this.samples.forget(name);
    this.incidents?.forget(name);
    this.removeServiceCgroup(runner);
    this.logs.get(name)?.remove();
    this.runners.delete(name);
    this.logs.delete(name);
    await this.store.deleteService(name);
  }

  /**
   * Stop every service, each after the services that depend on it (reverse start order; the
   * others at once), then release timers and logs. Desired states are kept, so the next daemon
   * starts the same set.
   */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    this.releasePidFiles(); // a stop waits for its PID file's removal
    this.storeHealth?.refresh(); // the last moment a loss can still be told
    this.storeHealth?.close();
    await this.emit({ service: null, kind: "daemon", reason: "daemon stopping: stopping all services" });
    const runners = [...this.runners.values()].reverse();
    const settled = new Set(["stopped", "exited", "failed"]);
    const stop = async (runner: ServiceRunner): Promise<void> => {
      if (settled.has(runner.state)) return; // nothing runs: leave its state as it is
      await runner.stopForShutdown();
      await runner.waitUntil((r) => r.state === "stopped", runner.stopWaitMs + 10_000);
      runner.endShutdownStop();
    };
    // What runs no process but could start one (a gate about to open, a backoff timer) is
    // stopped first, at once: while dependents stop, their dependencies must not start anew.
    const idle = runners.filter((r) => r.state === "waiting" || r.state === "backoff");
    await Promise.all(idle.map(stop));
    await inStopOrder(this.runners, runners, stop);
    await Promise.all(runners.map((r) => r.pidFileSettled()));
    for (const runner of runners) {
      runner.dispose();
      this.removeServiceCgroup(runner);
    }
    this.healthWatch.close();
    this.limitsWatch.close();
    this.readiness.close();
    for (const log of this.logs.values()) log.close();
    // A service process left running (its stop failed) keeps its output held for the next daemon.
    if (this.holderCheck) clearInterval(this.holderCheck);
    if (runners.every((r) => r.record === null) && this.fifoHolder) {
      await this.fifoHolder.stop();
      if (this.holderCgroup) this.removeCgroupDir(this.holderCgroup);
    }
    // The state dir's own cgroup (upkeep/<id>) goes too once nothing is left in it: one per
    // state dir ever used would pile up under the cgroup2 mount otherwise.
    if (this.cgroupRoot) this.removeCgroupDir(join(this.cgroupRoot, "upkeep", this.cgroupGroup));
    this.treeWatch.close();
    this.watcher.close();
    await this.incidents?.settled(INCIDENTS_SETTLE_MS);
    await this.emit({ service: null, kind: "daemon", reason: "daemon stopped" });
    const unsaved = await this.store.settle();
    if (unsaved !== null) console.error(`upkeep: the state store could not be written: ${unsaved}`);
  }

  /**
   * Exit for an upgrade (`shutdown --leave-running`, leave-running.ts): every service process,
   * record, PID file, cgroup and the FIFO holder stay for the next daemon to adopt; only this
   * daemon's watching ends, and the output it has read is written first.
   */
  async leaveRunning(): Promise<void> {
    this.shuttingDown = true;
    this.releasePidFiles();
    this.storeHealth?.refresh();
    this.storeHealth?.close();
    const left = await freezeRunners([...this.runners.values()]);
    this.healthWatch.close();
    this.limitsWatch.close();
    this.readiness.close();
    if (this.holderCheck) clearInterval(this.holderCheck);
    this.treeWatch.close();
    this.watcher.close();
    for (const log of this.logs.values()) log.close();
    await this.emit({ service: null, kind: "daemon", reason: describeLeftRunning(left), details: { left } });
    const unsaved = await this.store.settle();
    if (unsaved !== null) console.error(`upkeep: the state store could not be written: ${unsaved}`);
  }

  /** Starts the FIFO holder, or adopts the one an earlier daemon left. */
  private async holdFifos(): Promise<void> {
    if (this.shuttingDown) return; // a SIGTERM during start-up: shutdown would not see it
    try {
      this.holderCgroup = this.cgroupRoot ? this.serviceCgroup(HOLDER_CGROUP) : null;
      this.fifoHolder = FifoHolder.ensure(this.config.stateDir, this.logsDir, this.holderCgroup);
      // One that dies (OOM, an operator) is replaced within a minute: a few /proc reads.
      this.holderCheck = setInterval(
        () => this.tellHolder((holder) => holder.ensureAlive()),
        HOLDER_CHECK_MS,
      );
      this.holderCheck.unref();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await this.emit({
        service: null,
        kind: "daemon",
        reason:
          `the FIFO holder did not start (${message}): output a service writes while no daemon ` +
          "runs is kept only while that service runs. Rebuild the native part: npm rebuild",
      });
    }
  }

  /** Services were added or removed: the holder takes up new FIFOs and lets go of old ones. */
  fifosChanged(): void {
    this.tellHolder((holder) => holder.refresh());
  }

  private tellHolder(action: (holder: FifoHolder) => unknown): void {
    if (!this.fifoHolder) return;
    try {
      action(this.fifoHolder);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      console.error(`upkeep: the FIFO holder could not be kept: ${message}`);
    }
  }

  /** Remove a stopped service's cgroup; one still populated (a service left running) stays. */
  private removeServiceCgroup(runner: ServiceRunner): void {
    const path = runner.cgroupPath;
    if (path === null || runner.record !== null) return;
    try {
      removeCgroup(path);
    } catch (err) {
      this.onFault(runner.name, err);
    }
  }

  /** Removes a cgroup directory left empty (a fault is reported, never thrown: shutdown goes on). */
  private removeCgroupDir(path: string): void {
    try {
      removeEmptyCgroup(path);
    } catch (err) {
      console.warn(
        `upkeep: could not remove cgroup ${path}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  private serviceCgroup(name: string): string | null {
    try {
      return createServiceCgroup(this.cgroupRoot!, this.cgroupGroup, name);
    } catch (err) {
      this.onFault(name, err);
      return null;
    }
  }

  /** What recovering a record needs: the store, and what ties a process to this state dir. */
  private get recovery(): RecoveryContext {
    return {
      store: this.store,
      stateDir: this.config.stateDir,
      scope: this.scope,
      publish: (e) => this.bus.publish(e),
    };
  }

  private onFault(service: string, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`upkeep: fault in service ${service}: ${err instanceof Error ? err.stack : message}`);
    this.emit({ service, kind: "state", reason: `internal fault: ${message}` }).catch((e: unknown) => {
      console.error(`upkeep: could not record a fault of ${service}: ${String(e)}`);
    });
  }
}
