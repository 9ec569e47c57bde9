/**
 * Readiness (SPEC §2 `ready`), prepared right before each spawn and awaited after it:
 *  - tcp, http, exec: the probe is tried every `ready.interval` until it passes;
 *  - log: a line of the service's output matches (watched from before the spawn, so a fast
 *    service's line is not missed);
 *  - notify: the service sends READY=1 to $NOTIFY_SOCKET, the sd_notify protocol.
 * Each ends at `ready.timeout` after the spawn with the last thing found.
 */
import { createHash, randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { ReadyConfig, ServiceConfig } from "../config/model.js";
import { describeProbe } from "../health/describe-probe.js";
import { formatDuration } from "../core/duration.js";
import { NotifySocket } from "../health/notify-socket.js";
import { runProbe, type OneShotProbeSpec } from "../health/probe.js";
import { cgroupRecordPath, readProcCgroup } from "../identity/cgroup.js";
import { readProcStat } from "../identity/proc-stat.js";
import { quoteMatchedLine, watchForLine } from "../logs/wait-for-line.js";
import type { PreparedReadiness, ReadinessResult } from "../service/readiness.js";
import type { ServiceRunner } from "../service/runner.js";
import type { ProcessRecord } from "../store/store.js";
import { probeOptionsFor } from "./probe-options.js";

/** Abstract socket names are at most 107 bytes; longer service names are hashed. */
const MAX_SOCKET_NAME = 100;
/** READY=1 senders kept for judging per start; more are dropped (see notifyReadiness). */
const MAX_SENDERS = 64;
/** How many parents are walked up from a sender to find the service's main process. */
const MAX_ANCESTRY = 64;

export class Readiness {
  /** One notify socket per service, kept while the service exists (it may send more later). */
  private readonly sockets = new Map<string, NotifySocket>();
  /** Unguessable per daemon: see socketAddress. */
  private readonly nonce = randomBytes(8).toString("hex");
  /** The listener of each socket's current start. */
  private readonly listeners = new Map<string, (pid: number, fields: Map<string, string>) => void>();

  /** Who else listens to each socket for a while (a reload waiting for RELOADING=1 … READY=1). */
  private readonly watchers = new Map<string, Set<(pid: number, fields: Map<string, string>) => void>>();

  /** The last STATUS= each notify service's main process sent ("Ready to accept connections"). */
  private readonly statuses = new Map<string, string>();

  constructor(
    private readonly logsDir: string,
    private readonly stateId: string,
    /** The service's current process record, to believe a STATUS= only from its main process. */
    private readonly recordOf: (name: string) => ProcessRecord | null,
  ) {}

  prepare(runner: ServiceRunner): PreparedReadiness | null {
    const ready = runner.config.ready;
    if (ready === null) return null;
    switch (ready.probe.kind) {
      case "log":
        return this.logReadiness(runner.name, ready, new RegExp(ready.probe.pattern));
      case "notify":
        return this.notifyReadiness(runner.name, ready);
      case "tcp":
      case "http":
      case "exec":
      case "path":
        return probeReadiness(runner.config, ready, ready.probe);
      default: {
        const never: never = ready.probe;
        throw new Error(`unknown readiness ${JSON.stringify(never)}`);
      }
    }
  }

  /** The last STATUS= the service's main process sent over $NOTIFY_SOCKET, if any. */
  statusOf(name: string): string | null {
    return this.statuses.get(name) ?? null;
  }

  /** Close a removed service's notify socket. */
  forget(name: string): void {
    this.sockets.get(name)?.close();
    this.sockets.delete(name);
    this.listeners.delete(name);
    this.watchers.delete(name);
    this.statuses.delete(name);
  }

  /**
   * Calls `onState` with RELOADING=1 / READY=1 that a process of the service's tree (the one
   * `record` names) sends from now on; returns the removal. Null when the service has no
   * notify socket in this daemon (not a notify service, or adopted from an earlier daemon,
   * whose socket it still names).
   */
  watchNotify(
    name: string,
    record: ProcessRecord,
    onState: (state: "reloading" | "ready", pid: number) => void,
  ): (() => void) | null {
    if (!this.sockets.has(name)) return null;
    let set = this.watchers.get(name);
    if (set === undefined) this.watchers.set(name, (set = new Set()));
    const watcher = (pid: number, fields: Map<string, string>): void => {
      const state =
        fields.get("RELOADING") === "1" ? "reloading" : fields.get("READY") === "1" ? "ready" : null;
      // Judged only for these two words, and only while a reload watches: a few /proc reads each.
      if (state !== null && isInTree(pid, record)) onState(state, pid);
    };
    set.add(watcher);
    return () => set.delete(watcher);
  }

  close(): void {
    for (const name of [...this.sockets.keys()]) this.forget(name);
  }

  private logReadiness(name: string, ready: ReadyConfig, pattern: RegExp): PreparedReadiness {
    let matched: string | null = null;
    let wake: (() => void) | null = null;
    const stop = watchForLine(this.logsDir, name, pattern, (line) => {
      matched = line;
      wake?.();
    });
    return {
      env: {},
      wait: async (_record, signal) => {
        const deadline = Date.now() + ready.timeoutMs;
        const seen = new Promise<void>((resolve) => (wake = resolve));
        if (matched === null) await untilDeadline(seen, deadline, signal);
        if (matched !== null) return { ok: true, detail: `output line ${quoteMatchedLine(matched)}` };
        return {
          ok: false,
          detail: `no output line matched /${pattern.source}/ within ${formatDuration(ready.timeoutMs)}`,
        };
      },
      dispose: stop,
    };
  }

  private notifyReadiness(name: string, ready: ReadyConfig): PreparedReadiness {
    let socket = this.sockets.get(name);
    if (socket === undefined) {
      socket = NotifySocket.open(this.socketAddress(name));
      this.sockets.set(name, socket);
      socket.onMessage(({ pid, fields }) => {
        this.listeners.get(name)?.(pid, fields);
        for (const watcher of [...(this.watchers.get(name) ?? [])]) watcher(pid, fields);
        const status = fields.get("STATUS");
        // The main process only: no /proc read per datagram, whoever sends them.
        if (status !== undefined && this.recordOf(name)?.pid === pid) this.statuses.set(name, status);
      });
    }
    // READY=1 senders not judged yet, each once, and at most MAX_SENDERS of them: anyone on
    // the host can send to an abstract socket, so a flood must cost neither memory nor scans.
    const senders = new Set<number>();
    let wake: (() => void) | null = null;
    let status: string | null = null;
    const listener = (pid: number, fields: Map<string, string>): void => {
      status = fields.get("STATUS") ?? status;
      if (fields.get("READY") !== "1" || senders.size >= MAX_SENDERS) return;
      senders.add(pid);
      wake?.();
    };
    this.listeners.set(name, listener);
    return {
      env: { NOTIFY_SOCKET: socket.path },
      wait: async (record, signal) => {
        const deadline = Date.now() + ready.timeoutMs;
        const strangers = new Set<number>();
        for (;;) {
          for (const pid of senders) {
            senders.delete(pid);
            if (strangers.has(pid)) continue;
            if (isInTree(pid, record)) return { ok: true, detail: `READY=1 from PID ${pid}` };
            strangers.add(pid); // a process outside the service's tree cannot declare it ready
          }
          const seen = new Promise<void>((resolve) => (wake = resolve));
          if (!(await untilDeadline(seen, deadline, signal))) break;
        }
        const said = status === null ? "" : `; its last STATUS was ${JSON.stringify(status)}`;
        const shown = [...strangers].slice(0, 10).join(", ");
        const ignored = strangers.size > 0 ? `; ignored READY=1 from PIDs outside its tree: ${shown}` : "";
        return {
          ok: false,
          detail: `no READY=1 on NOTIFY_SOCKET within ${formatDuration(ready.timeoutMs)}${said}${ignored}`,
        };
      },
      dispose: () => {
        if (this.listeners.get(name) === listener) this.listeners.delete(name);
      },
    };
  }

  /** A service whose `ready` is no longer notify (a reload) gives its socket back. */
  release(runner: ServiceRunner): void {
    if (runner.config.ready?.probe.kind !== "notify") this.forget(runner.name);
  }

  /**
   * An abstract socket (a leading '@', as sd_notify reads it): no file, so no path-length or
   * permission limit, also for a service that runs as another user; a sender is believed only
   * when the kernel-given PID is in the service's tree. The name holds a random part chosen
   * by each daemon, so no one can bind it first or listen on it while the daemon is down.
   */
  private socketAddress(name: string): string {
    const base = `@upkeep/${this.stateId}/${this.nonce}/notify/`;
    const plain = `${base}${name}`;
    if (plain.length <= MAX_SOCKET_NAME) return plain;
    return `${base}${createHash("sha256").update(name).digest("hex").slice(0, 32)}`;
  }
}

function probeReadiness(
  config: ServiceConfig,
  ready: ReadyConfig,
  probe: OneShotProbeSpec,
): PreparedReadiness {
  return {
    env: {},
    wait: async (_record, signal) => {
      const deadline = Date.now() + ready.timeoutMs;
      let last: ReadinessResult = { ok: false, detail: "not probed" };
      while (!signal.aborted) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        const timeoutMs = Math.min(left, Math.max(ready.intervalMs, 1000));
        last = await runProbe(probe, probeOptionsFor(config, probe, timeoutMs, signal));
        if (last.ok) return { ok: true, detail: `${describeProbe(ready.probe)}: ${last.detail}` };
        const pause = Math.min(ready.intervalMs, deadline - Date.now());
        if (pause > 0) await sleep(pause, undefined, { signal }).catch(() => undefined);
      }
      return {
        ok: false,
        detail: `${describeProbe(ready.probe)} did not pass within ${formatDuration(ready.timeoutMs)}; last try: ${last.detail}`,
      };
    },
    dispose: () => undefined,
  };
}

/** True when `event` came before the deadline; false at the deadline or on abort. */
async function untilDeadline(event: Promise<void>, deadline: number, signal: AbortSignal): Promise<boolean> {
  const left = deadline - Date.now();
  if (left <= 0 || signal.aborted) return false;
  const timer = new AbortController();
  const onAbort = (): void => timer.abort();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    const timeout = sleep(left, false, { signal: timer.signal }).catch(() => false);
    return await Promise.race([event.then(() => true), timeout]);
  } finally {
    timer.abort();
    signal.removeEventListener("abort", onAbort);
  }
}

/**
 * Whether the sender belongs to the service: its main process, a process in its cgroup, or a
 * descendant of its main process (a few /proc reads; never a scan of every process, which a
 * flood of senders could make the daemon do again and again).
 */
function isInTree(pid: number, record: ProcessRecord): boolean {
  if (pid === record.pid) return true;
  if (record.cgroup !== null && readProcCgroup(pid) === cgroupRecordPath(record.cgroup)) return true;
  let current = readProcStat(pid);
  for (let steps = 0; current !== null && steps < MAX_ANCESTRY; steps++) {
    if (current.ppid === record.pid) return true;
    if (current.ppid <= 1) return false;
    current = readProcStat(current.ppid);
  }
  return false;
}
