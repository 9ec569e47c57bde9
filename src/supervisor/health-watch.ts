/**
 * The periodic health probe (`health:` with tcp, http, exec or log) of every running service
 * that declares one; nothing at all for the others. A probe runs in the background, never two
 * at once for one service, the next `interval` after the last ended. `failures` failures in a
 * row make one `unhealthy` event (and a restart when `restart_on` names `probe`); the first
 * pass after that is a `recovered` event, also when it comes from the restarted process.
 */
import type { HealthProbeConfig, ServiceConfig } from "../config/model.js";
import { describeProbe } from "../health/describe-probe.js";
import { formatDuration } from "../core/duration.js";
import { isOneShotProbe, runProbe, type ProbeResult } from "../health/probe.js";
import { quoteMatchedLine, watchLines } from "../logs/wait-for-line.js";
import type { ProbeView } from "../service/readiness.js";
import type { ServiceRunner } from "../service/runner.js";
import type { NewEvent, ProcessRecord } from "../store/store.js";
import { probeOptionsFor } from "./probe-options.js";
import { RunningFollows } from "./while-running.js";

type Emit = (event: Omit<NewEvent, "ts">) => Promise<unknown>;

export class HealthWatch {
  private readonly follows = new RunningFollows(
    (c) => c.health !== null,
    (runner, record) => this.probeLoop(runner, record),
  );
  /** Services reported unhealthy and not yet passing again (across restarts): owed a `recovered`. */
  private readonly reported = new Set<string>();
  /** The last verdicts of each probed running service, for `check`. */
  private readonly verdicts = new Map<string, ProbeView>();

  constructor(
    private readonly logsDir: string,
    private readonly emit: Emit,
    private readonly onFault: (service: string, err: unknown) => void,
    /** True while the daemon shuts down: nothing is restarted then. */
    private readonly quiet: () => boolean,
  ) {}

  attach(runner: ServiceRunner): () => void {
    return this.follows.attach(runner, () => this.reported.delete(runner.name));
  }

  /** The probe's last verdicts for `check`: null without a probe, before the first, or while not running. */
  probeOf(name: string): ProbeView | null {
    return this.verdicts.get(name) ?? null;
  }

  refresh(runner: ServiceRunner): void {
    this.follows.refresh(runner);
  }

  close(): void {
    this.follows.close();
  }

  /** Probes the running process until the returned stop is called. */
  private probeLoop(runner: ServiceRunner, record: ProcessRecord): () => void {
    const health = runner.config.health!;
    const abort = new AbortController();
    const heartbeat = health.probe.kind === "log" ? new Heartbeat(this.logsDir, runner.name, health) : null;
    let failures = 0;
    let timer: NodeJS.Timeout | null = null;
    const current = (): boolean =>
      !abort.signal.aborted && runner.record === record && runner.state === "running";
    const tick = async (): Promise<void> => {
      const result = heartbeat ? heartbeat.check() : await probeOnce(runner.config, health, abort.signal);
      if (!current()) return;
      failures = result.ok ? 0 : failures + 1;
      const what = describeProbe(health.probe);
      this.verdicts.set(runner.name, { what, failures, threshold: health.failures, last: result.detail });
      if (result.ok) {
        if (this.reported.delete(runner.name))
          await this.emit({
            service: runner.name,
            kind: "recovered",
            reason: `health probe passes again (PID ${record.pid}): ${describeProbe(health.probe)}: ${result.detail}`,
          });
      } else if (failures === health.failures) {
        await this.reportUnhealthy(runner, record, health, result);
      }
    };
    const schedule = (): void => {
      timer = setTimeout(() => {
        timer = null;
        // A fault in one probe (a store write) is reported; the probing goes on.
        tick()
          .catch((err: unknown) => this.onFault(runner.name, err))
          .finally(() => {
            if (current()) schedule();
          });
      }, health.intervalMs);
      timer.unref();
    };
    schedule();
    return () => {
      abort.abort();
      if (timer !== null) clearTimeout(timer);
      heartbeat?.stop();
      this.verdicts.delete(runner.name);
    };
  }

  private async reportUnhealthy(
    runner: ServiceRunner,
    record: ProcessRecord,
    health: HealthProbeConfig,
    result: ProbeResult,
  ): Promise<void> {
    this.reported.add(runner.name);
    const restart = runner.config.restartOn.includes("probe");
    const what = `${describeProbe(health.probe)} failed ${times(health.failures)} in a row (every ${formatDuration(health.intervalMs)}); last: ${result.detail}`;
    const action = restart
      ? "restarting it (health.restart_on: probe; start_limit applies)"
      : `not restarted (health.restart_on does not name probe; restart it with: upkeep restart ${runner.name})`;
    await this.emit({
      service: runner.name,
      kind: "unhealthy",
      reason: `unhealthy: ${what}; ${action}`,
      details: { pid: record.pid, probe: health.probe, failures: health.failures, last: result.detail },
    });
    if (restart && !this.quiet() && runner.record === record && runner.state === "running")
      await runner.send({ type: "health_failed", reason: what });
  }
}

function probeOnce(
  config: ServiceConfig,
  health: HealthProbeConfig,
  signal: AbortSignal,
): Promise<ProbeResult> {
  // log is a heartbeat (checked by the caller); the loader accepts no notify here.
  if (!isOneShotProbe(health.probe))
    return Promise.resolve({ ok: false, detail: `${describeProbe(health.probe)} is not a probe`, ms: 0 });
  return runProbe(health.probe, probeOptionsFor(config, health.probe, health.timeoutMs, signal));
}

/** `health: { log }`: a matching output line must have come within each interval. */
class Heartbeat {
  private last = Date.now();
  private line: string | null = null;
  private readonly stopWatch: () => void;

  constructor(
    logsDir: string,
    service: string,
    private readonly health: HealthProbeConfig,
  ) {
    const probe = health.probe;
    if (probe.kind !== "log") throw new Error("a heartbeat needs a log probe");
    this.stopWatch = watchLines(logsDir, service, new RegExp(probe.pattern), (line) => {
      this.last = Date.now();
      this.line = line;
    });
  }

  check(): ProbeResult {
    const age = Date.now() - this.last;
    const ok = age <= this.health.intervalMs + this.health.timeoutMs;
    const detail = ok
      ? `last matching line ${Math.round(age / 1000)}s ago${this.line === null ? "" : `: ${quoteMatchedLine(this.line)}`}`
      : `no matching output line for ${Math.round(age / 1000)}s`;
    return { ok, detail, ms: 0 };
  }

  stop(): void {
    this.stopWatch();
  }
}

function times(n: number): string {
  return n === 1 ? "once" : `${n} times`;
}
