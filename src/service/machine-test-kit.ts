/**
 * Builders for the state machine's tests (used by *.test.ts only; nothing in upkeep imports it):
 * a service config with small numbers, events by name, and `drive`, which feeds events one by
 * one with their own `now`. No clock and no real randomness: `seeded` is a fixed PRNG.
 */
import { initialContext, transition, type MachineContext, type MachineService } from "./machine.js";
import type { Effect, MachineEvent, ServiceState, TimerPurpose } from "./states.js";

export const T0 = 1_700_000_000_000;
export const SEC = 1000;

export interface ServiceOverrides {
  type?: MachineService["type"];
  restart?: MachineService["restart"];
  backoff?: Partial<MachineService["backoff"]>;
  startLimit?: Partial<MachineService["startLimit"]>;
  stop?: Partial<MachineService["stop"]>;
  /** Waits for a dependency before each start. */
  gated?: boolean;
}

/** A service config with small, round numbers; override only what a test is about. */
export function service(o: ServiceOverrides = {}): MachineService {
  return {
    type: o.type ?? "simple",
    restart: o.restart ?? "always",
    backoff: { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0, resetAfterMs: 30 * SEC, ...o.backoff },
    startLimit: { burst: 100, intervalMs: 60 * SEC, retryAfterMs: null, ...o.startLimit },
    stop: { signal: "SIGTERM", timeoutMs: 10 * SEC, ...o.stop },
    after: o.gated === true ? ["db"] : [],
    condition: null,
  };
}

/** A small deterministic PRNG (mulberry32): "random" values that are the same on every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const ev = {
  start: { type: "start_requested" },
  stop: { type: "stop_requested" },
  restart: { type: "restart_requested" },
  reset: { type: "reset_requested" },
  ready: { type: "ready" },
  spawned: (pid = 4242): MachineEvent => ({ type: "spawned", pid }),
  spawnFailed: { type: "spawn_failed", error: "spawn /nope ENOENT" },
  exit: (code: number): MachineEvent => ({ type: "exited", code, signal: null, statusKnown: true }),
  killed: (signal: string): MachineEvent => ({ type: "exited", code: null, signal, statusKnown: true }),
  vanished: { type: "exited", code: null, signal: null, statusKnown: false },
  timer: (purpose: TimerPurpose): MachineEvent => ({ type: "timer_fired", purpose }),
  adopted: (pid: number, startedAt: number): MachineEvent => ({ type: "adopted", pid, startedAt }),
  healthFailed: { type: "health_failed", reason: "expected 1 × child w, found none" },
  gateOpen: { type: "gate_open" },
  gateBlocked: { type: "gate_blocked", reason: "db to be ready (starting)" },
  notReady: { type: "not_ready", reason: "no answer on tcp 8080 within 30s" },
  dependencyLost: { type: "dependency_lost", reason: "requires db, which failed" },
} satisfies Record<string, MachineEvent | ((...args: never[]) => MachineEvent)>;

export interface Run {
  state: ServiceState;
  ctx: MachineContext;
  effects: Effect[];
  reason: string;
  /** Every effect of every step, in order. */
  all: Effect[];
}

/** Feed events one after the other, each at its own time; returns the last step and all effects. */
export function drive(
  svc: MachineService,
  steps: [MachineEvent, number][],
  from: ServiceState = "stopped",
  ctx: MachineContext = initialContext("up"),
  random: () => number = seeded(1),
): Run {
  let run: Run = { state: from, ctx, effects: [], reason: "", all: [] };
  for (const [event, at] of steps) {
    const t = transition(run.state, run.ctx, event, svc, at, random);
    run = {
      state: t.state,
      ctx: t.context,
      effects: t.effects,
      reason: t.reason,
      all: [...run.all, ...t.effects],
    };
  }
  return run;
}

/** A service that was started at `startedAt` and is running now. */
export function runningSince(
  svc: MachineService,
  startedAt: number,
  extra: Partial<MachineContext> = {},
): Run {
  const run = drive(svc, [
    [ev.start, startedAt],
    [ev.spawned(), startedAt],
    [ev.ready, startedAt],
  ]);
  return { ...run, ctx: { ...run.ctx, ...extra } };
}

/** A short label for an event, for test titles. */
export const describeExit = (e: MachineEvent): string =>
  e.type !== "exited" ? e.type : !e.statusKnown ? "status unknown" : (e.signal ?? `exit ${e.code}`);
/** Effect types only, for comparing sequences; then the backoff delay armed, and spawns asked for. */
export const types = (effects: Effect[]): string[] => effects.map((e) => e.type);
export const backoffMs = (effects: Effect[]): number | undefined =>
  effects.find(
    (e): e is Extract<Effect, { type: "arm_timer" }> => e.type === "arm_timer" && e.purpose === "backoff",
  )?.ms;
export const spawns = (effects: Effect[]): number => effects.filter((e) => e.type === "spawn").length;
