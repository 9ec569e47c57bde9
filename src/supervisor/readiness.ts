/**
 * Readiness (SPEC §2 `ready`), prepared right before each spawn and awaited after it:
 *  - tcp, http, exec: the probe is tried every `ready.interval` until it passes;
 *  - log: a line of the service's output matches (watched from before the spawn, so a fast
 *    service's line is not missed);
 *  - notify: the service sends READY=1 to $NOTIFY_SOCKET, the sd_notify protocol.
 * Each ends at `ready.timeout` after the spawn with the last thing found.
 */
import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { ReadyConfig, ServiceConfig } from "../config/model.js";
import { describeMs, describeProbe } from "../health/describe-probe.js";
import { NotifySocket } from "../health/notify-socket.js";
import { runProbe, type OneShotProbeSpec } from "../health/probe.js";
import { cgroupMembers, findTreeMembers } from "../identity/process-tree.js";
import { watchForLine } from "../logs/wait-for-line.js";
import type { PreparedReadiness, ReadinessResult } from "../service/readiness.js";
import type { ServiceRunner } from "../service/runner.js";
import { selectorOf } from "../service/tree-effects.js";
import type { ProcessRecord } from "../store/store.js";
import { probeOptionsFor } from "./probe-options.js";

/** Abstract socket names are at most 107 bytes; longer service names are hashed. */
const MAX_SOCKET_NAME = 100;

export class Readiness {
  /** One notify socket per service, kept while the service exists (it may send more later). */
  private readonly sockets = new Map<string, NotifySocket>();
  /** The listener of each socket's current start. */
  private readonly listeners = new Map<string, (pid: number, fields: Map<string, string>) => void>();

  constructor(
    private readonly logsDir: string,
    private readonly stateId: string,
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

  /** Close a removed service's notify socket. */
  forget(name: string): void {
    this.sockets.get(name)?.close();
    this.sockets.delete(name);
    this.listeners.delete(name);
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
        if (matched !== null) return { ok: true, detail: `output line ${JSON.stringify(matched)}` };
        return {
          ok: false,
          detail: `no output line matched /${pattern.source}/ within ${describeMs(ready.timeoutMs)}`,
        };
      },
      dispose: stop,
    };
  }

  private notifyReadiness(name: string, ready: ReadyConfig): PreparedReadiness {
    const address = this.socketAddress(name);
    let socket = this.sockets.get(name);
    if (socket === undefined) {
      socket = NotifySocket.open(address);
      this.sockets.set(name, socket);
      socket.onMessage(({ pid, fields }) => this.listeners.get(name)?.(pid, fields));
    }
    const senders: number[] = [];
    let wake: (() => void) | null = null;
    let status: string | null = null;
    const listener = (pid: number, fields: Map<string, string>): void => {
      status = fields.get("STATUS") ?? status;
      if (fields.get("READY") !== "1") return;
      senders.push(pid);
      wake?.();
    };
    this.listeners.set(name, listener);
    return {
      env: { NOTIFY_SOCKET: address },
      wait: async (record, signal) => {
        const deadline = Date.now() + ready.timeoutMs;
        const strangers = new Set<number>();
        for (;;) {
          const from = senders.find((pid) => !strangers.has(pid));
          if (from !== undefined) {
            if (isInTree(from, record)) return { ok: true, detail: `READY=1 from PID ${from}` };
            strangers.add(from); // a process outside the service's tree cannot declare it ready
            continue;
          }
          const seen = new Promise<void>((resolve) => (wake = resolve));
          if (!(await untilDeadline(seen, deadline, signal))) break;
        }
        const said = status === null ? "" : `; its last STATUS was ${JSON.stringify(status)}`;
        const ignored =
          strangers.size > 0
            ? `; ignored READY=1 from PIDs outside its tree: ${[...strangers].join(", ")}`
            : "";
        return {
          ok: false,
          detail: `no READY=1 on NOTIFY_SOCKET within ${describeMs(ready.timeoutMs)}${said}${ignored}`,
        };
      },
      dispose: () => {
        if (this.listeners.get(name) === listener) this.listeners.delete(name);
      },
    };
  }

  /**
   * An abstract socket (a leading '@', as sd_notify reads it): no file, so no path-length or
   * permission limit, also for a service that runs as another user; a sender is believed only
   * when the kernel-given PID is in the service's tree.
   */
  private socketAddress(name: string): string {
    const plain = `@upkeep/${this.stateId}/notify/${name}`;
    if (plain.length <= MAX_SOCKET_NAME) return plain;
    return `@upkeep/${this.stateId}/notify/${createHash("sha256").update(name).digest("hex").slice(0, 32)}`;
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
        last = await runProbe(probe, probeOptionsFor(config, timeoutMs, signal));
        if (last.ok) return { ok: true, detail: `${describeProbe(ready.probe)}: ${last.detail}` };
        const pause = Math.min(ready.intervalMs, deadline - Date.now());
        if (pause > 0) await sleep(pause, undefined, { signal }).catch(() => undefined);
      }
      return {
        ok: false,
        detail: `${describeProbe(ready.probe)} did not pass within ${describeMs(ready.timeoutMs)}; last try: ${last.detail}`,
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

function isInTree(pid: number, record: ProcessRecord): boolean {
  if (pid === record.pid) return true;
  const sel = selectorOf(record);
  const members = cgroupMembers(sel) ?? findTreeMembers(sel);
  return members.some((m) => m.pid === pid);
}
