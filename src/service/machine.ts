import type { ServiceConfig } from "../config/model.js";
import { backoffStepFor, computeBackoffDelay } from "./backoff.js";
import { addAttempt, attemptsInWindow, isStartLimitHit } from "./start-limit.js";
import type { Effect, MachineEvent, ServiceState } from "./states.js";

/**
 * The service lifecycle as one pure function: (state, context, event, now) → next state, new
 * context, effects, reason. No I/O, no timers, no await: the runner performs the effects and
 * feeds their results back as events. Every (state, event) pair is decided below; "ignore" is
 * an explicit branch with its reason (like s6-supervise's action table).
 */

export interface MachineContext {
  desired: "up" | "down";
  /** Start attempts (epoch ms) in the start-limit window: one mark per group (start-limit.ts). */
  attempts: number[];
  /** How many attempts the newest mark of `attempts` stands for (1 with a burst up to 100). */
  attemptsInNewest: number;
  /** Quick crashes in a row: the next backoff step. */
  quickCrashes: number;
  restarts: number;
  pid: number | null;
  startedAt: number | null;
  lastExitCode: number | null;
  lastSignal: string | null;
  /** Set by a restart request: start again once the stop completes. */
  startAfterStop: boolean;
  /** When the pending timer fires, if any (for display). */
  timerAt: number | null;
}

/** The part of a service's config the machine decides with. */
export type MachineService = Pick<
  ServiceConfig,
  "type" | "restart" | "backoff" | "startLimit" | "stop" | "after" | "condition"
>;

/** Whether each start of the service first waits for its dependencies and its condition. */
function isGated(svc: MachineService): boolean {
  return svc.after.length > 0 || svc.condition !== null;
}

export interface Transition {
  state: ServiceState;
  context: MachineContext;
  effects: Effect[];
  reason: string;
}

export function initialContext(desired: "up" | "down"): MachineContext {
  return {
    desired,
    attempts: [],
    attemptsInNewest: 0,
    quickCrashes: 0,
    restarts: 0,
    pid: null,
    startedAt: null,
    lastExitCode: null,
    lastSignal: null,
    startAfterStop: false,
    timerAt: null,
  };
}

interface Step {
  state: ServiceState;
  ctx: MachineContext;
  svc: MachineService;
  now: number;
  random: () => number;
}

/** Decide the next state for one event. `random` returns [0, 1) and drives the jitter. */
export function transition(
  state: ServiceState,
  context: MachineContext,
  event: MachineEvent,
  svc: MachineService,
  now: number,
  random: () => number,
): Transition {
  const s: Step = { state, ctx: { ...context }, svc, now, random };
  switch (event.type) {
    case "start_requested":
      return onStart(s);
    case "stop_requested":
      return onStop(s);
    case "restart_requested":
      return onRestart(s);
    case "reset_requested":
      return onReset(s);
    case "spawned":
      return onSpawned(s, event.pid);
    case "spawn_failed":
      return onSpawnFailed(s, event.error, event.fatal === true);
    case "ready":
      return onReady(s, event.detail);
    case "exited":
      return onExited(s, event);
    case "timer_fired":
      return onTimer(s, event.purpose);
    case "adopted":
      return onAdopted(s, event.pid, event.startedAt, event.tie ?? "identity proven");
    case "health_failed":
      return onHealthFailed(s, event.reason);
    case "gate_open":
      return onGateOpen(s);
    case "gate_blocked":
      return s.state === "waiting"
        ? stay(s, `waiting: ${event.reason}`)
        : stay(s, `ignored: still waiting for ${event.reason} while ${s.state}`);
    case "not_ready":
      return onNotReady(s, event.reason);
    case "dependency_lost":
      return onDependencyLost(s, event.reason);
    default:
      return assertNever(event);
  }
}

function stay(s: Step, reason: string, effects: Effect[] = []): Transition {
  return { state: s.state, context: s.ctx, effects, reason };
}

function go(s: Step, state: ServiceState, reason: string, effects: Effect[] = []): Transition {
  return { state, context: s.ctx, effects, reason };
}

/**
 * One start attempt, unless it would exceed the start limit. A service with dependencies or a
 * condition waits for them first (`waiting`); the attempt is counted only when it spawns, so
 * waiting is never a failure.
 */
function attemptStart(s: Step, reason: string, before: Effect[] = []): Transition {
  const { startLimit } = s.svc;
  s.ctx.attempts = attemptsInWindow(startLimit, s.ctx.attempts, s.now);
  if (isStartLimitHit(startLimit, s.ctx.attempts, s.now, s.ctx.attemptsInNewest)) return giveUp(s, before);
  s.ctx.timerAt = null;
  if (isGated(s.svc))
    return go(s, "waiting", `${reason}; checking dependencies and condition`, [
      ...before,
      { type: "cancel_timer" },
      { type: "await_gate" },
    ]);
  return spawnNow(s, reason, before);
}

function spawnNow(s: Step, reason: string, before: Effect[] = []): Transition {
  const added = addAttempt(s.svc.startLimit, s.ctx.attempts, s.ctx.attemptsInNewest, s.now);
  s.ctx.attempts = added.attempts;
  s.ctx.attemptsInNewest = added.inNewest;
  s.ctx.timerAt = null;
  return go(s, "starting", reason, [...before, { type: "cancel_timer" }, { type: "spawn" }]);
}

function onGateOpen(s: Step): Transition {
  if (s.state !== "waiting" || s.ctx.desired !== "up")
    return stay(s, `ignored: dependencies and condition hold while ${s.state}`);
  return spawnNow(s, "dependencies and condition hold: starting");
}

/** A readiness timeout is a failed start: the process is removed and the policy decides. */
function onNotReady(s: Step, reason: string): Transition {
  if (s.state !== "starting") return stay(s, `ignored readiness failure while ${s.state}: ${reason}`);
  s.ctx.pid = null;
  const cleanup: Effect[] = [{ type: "cancel_timer" }, { type: "kill_tree" }, { type: "clear_record" }];
  const what = `not ready: ${reason}`;
  if (s.svc.restart === "no") return go(s, "failed", `${what}; restart: no`, cleanup);
  return afterEnd(s, what, true, cleanup);
}

/**
 * Not the service's own failure: it is stopped and waits (gated, since it requires something)
 * until what it requires runs again; the start after the stop is not counted until it spawns.
 */
function onDependencyLost(s: Step, reason: string): Transition {
  if ((s.state !== "running" && s.state !== "starting") || s.ctx.desired !== "up")
    return stay(s, `ignored: ${reason} while ${s.state}`);
  s.ctx.startAfterStop = true;
  return beginStop(s, `${reason}; stopping until it runs again`);
}

function giveUp(s: Step, before: Effect[], lastEnd?: string): Transition {
  const { burst, intervalMs, retryAfterMs } = s.svc.startLimit;
  const limit = `start limit hit: ${burst} attempts within ${intervalMs / 1000}s`;
  const why = lastEnd ? `${lastEnd}; ${limit}` : limit;
  if (retryAfterMs === null) {
    s.ctx.timerAt = null;
    return go(s, "failed", `${why}; stays failed until \`upkeep start\` or \`upkeep reset\``, [
      ...before,
      { type: "cancel_timer" },
    ]);
  }
  s.ctx.timerAt = s.now + retryAfterMs;
  return go(s, "failed", `${why}; trying again in ${retryAfterMs / 1000}s (retry_after)`, [
    ...before,
    { type: "arm_timer", purpose: "retry_after", ms: retryAfterMs },
  ]);
}

function clearBudget(ctx: MachineContext): void {
  ctx.attempts = [];
  ctx.attemptsInNewest = 0;
  ctx.quickCrashes = 0;
}

function beginStop(s: Step, reason: string): Transition {
  const { signal, timeoutMs } = s.svc.stop;
  s.ctx.timerAt = s.now + timeoutMs;
  return go(s, "stopping", `${reason}: sent ${signal}, SIGKILL after ${timeoutMs / 1000}s`, [
    { type: "cancel_timer" },
    { type: "signal", signal },
    { type: "arm_timer", purpose: "stop_timeout", ms: timeoutMs },
  ]);
}

function onStart(s: Step): Transition {
  s.ctx.desired = "up";
  switch (s.state) {
    case "stopped":
    case "exited":
    case "failed":
    case "backoff":
    case "waiting":
      clearBudget(s.ctx);
      return attemptStart(s, "start requested");
    case "starting":
    case "running":
      return stay(s, "start requested: already " + s.state);
    case "stopping":
      // Operator intent: a start asked for by hand gets a fresh budget, whatever state it comes in.
      clearBudget(s.ctx);
      s.ctx.startAfterStop = true;
      return stay(s, "start requested: will start once the stop completes");
    default:
      return assertNever(s.state);
  }
}

function onStop(s: Step): Transition {
  s.ctx.desired = "down";
  s.ctx.startAfterStop = false;
  switch (s.state) {
    case "starting":
    case "running":
      return beginStop(s, "stop requested");
    case "stopping":
      return stay(s, "stop requested: already stopping");
    case "stopped":
      return stay(s, "stop requested: already stopped");
    case "backoff":
    case "failed":
    case "exited":
    case "waiting":
      s.ctx.timerAt = null;
      return go(s, "stopped", "stop requested", [{ type: "cancel_timer" }]);
    default:
      return assertNever(s.state);
  }
}

function onRestart(s: Step): Transition {
  s.ctx.desired = "up";
  switch (s.state) {
    case "starting":
    case "running":
      // As from stopped or failed: an operator's restart is not refused by the crash budget.
      clearBudget(s.ctx);
      s.ctx.startAfterStop = true;
      return beginStop(s, "restart requested");
    case "stopping":
      clearBudget(s.ctx);
      s.ctx.startAfterStop = true;
      return stay(s, "restart requested: will start once the stop completes");
    case "backoff":
    case "failed":
    case "exited":
    case "waiting":
    case "stopped":
      clearBudget(s.ctx);
      return attemptStart(s, "restart requested");
    default:
      return assertNever(s.state);
  }
}

/**
 * Not an operator's request: the desired state is left as it is, the attempt budget is not
 * cleared (the start after the stop counts against start_limit), and only a running service
 * is acted on: one that is stopping, in backoff or stopped by then has nothing to restart.
 */
function onHealthFailed(s: Step, reason: string): Transition {
  if (s.state !== "running" || s.ctx.desired !== "up")
    return stay(s, `ignored health failure while ${s.state}: ${reason}`);
  s.ctx.startAfterStop = true;
  return beginStop(s, `unhealthy: ${reason}; restarting`);
}

function onReset(s: Step): Transition {
  clearBudget(s.ctx);
  s.ctx.desired = "up";
  switch (s.state) {
    case "failed":
    case "stopped":
    case "exited":
    case "backoff":
    case "waiting":
      return attemptStart(s, "reset requested: attempt counter cleared");
    case "starting":
    case "running":
      return stay(s, "reset requested: attempt counter cleared");
    case "stopping":
      s.ctx.startAfterStop = true;
      return stay(s, "reset requested: attempt counter cleared; will start once the stop completes");
    default:
      return assertNever(s.state);
  }
}

function onSpawned(s: Step, pid: number): Transition {
  s.ctx.pid = pid;
  s.ctx.startedAt = s.now;
  if (s.state === "starting") return stay(s, `spawned PID ${pid}`, [{ type: "await_ready" }]);
  // The runner feeds `spawned` right after its spawn effect, so only `starting` sees it; a
  // process that appears in any other state is not wanted there and is removed.
  return stay(s, `PID ${pid} spawned while ${s.state}: removed`, [{ type: "kill_tree" }]);
}

function onSpawnFailed(s: Step, error: string, fatal: boolean): Transition {
  if (s.state !== "starting") return stay(s, `ignored spawn failure while ${s.state}: ${error}`);
  if (fatal) return go(s, "failed", `refused: ${error}`);
  // With restart: no nothing tries again, so a command that cannot start is failed at once.
  if (s.svc.restart === "no") return go(s, "failed", `cannot start: ${error}; restart: no`);
  return afterEnd(s, `cannot start: ${error}`, true, []);
}

function onReady(s: Step, detail: string | undefined): Transition {
  if (s.state !== "starting") return stay(s, `ignored readiness while ${s.state}`);
  const shown = detail === undefined ? "" : `: ready: ${detail}`;
  return go(s, "running", `running (PID ${s.ctx.pid ?? "?"})${shown}`);
}

function describeExit(e: Extract<MachineEvent, { type: "exited" }>): string {
  if (!e.statusKnown) return "exited (status unknown: not a child of this daemon)";
  if (e.signal) return `killed by ${e.signal}`;
  return `exited with code ${e.code ?? "?"}`;
}

function onExited(s: Step, e: Extract<MachineEvent, { type: "exited" }>): Transition {
  const uptime = s.ctx.startedAt === null ? null : s.now - s.ctx.startedAt;
  const what = describeExit(e);
  const cleanup: Effect[] = [{ type: "cancel_timer" }, { type: "kill_tree" }, { type: "clear_record" }];
  if (s.state === "stopping" || s.state === "starting" || s.state === "running") {
    s.ctx.pid = null;
    s.ctx.lastExitCode = e.code;
    s.ctx.lastSignal = e.signal;
  }
  switch (s.state) {
    case "stopping":
      s.ctx.timerAt = null;
      if (s.ctx.startAfterStop && s.ctx.desired === "up") {
        s.ctx.startAfterStop = false;
        return attemptStart(s, `stopped (${what}); starting again`, cleanup);
      }
      return go(s, "stopped", `stopped (${what})`, cleanup);
    case "starting":
    case "running": {
      const failed = !e.statusKnown ? true : e.code !== 0 || e.signal !== null;
      if (s.svc.type === "oneshot" && !failed) {
        return go(s, "exited", "completed successfully (exit code 0)", cleanup);
      }
      const restart = s.svc.restart === "always" || (s.svc.restart === "on-failure" && failed);
      if (!restart || s.ctx.desired === "down") {
        const state = s.svc.type === "oneshot" ? "failed" : "exited";
        return go(s, state, `${what}; restart: ${s.svc.restart}`, cleanup);
      }
      return afterEnd(s, what, false, cleanup, uptime);
    }
    case "stopped":
    case "backoff":
    case "failed":
    case "exited":
    case "waiting":
      return stay(s, `ignored: a process of this service ended while ${s.state} (${what})`);
    default:
      return assertNever(s.state);
  }
}

/** After a crash or failed spawn: restart now, later (backoff), or give up (failed). */
function afterEnd(
  s: Step,
  what: string,
  spawnFailed: boolean,
  before: Effect[],
  uptime: number | null = null,
): Transition {
  const { backoff, startLimit } = s.svc;
  s.ctx.attempts = attemptsInWindow(startLimit, s.ctx.attempts, s.now);
  if (isStartLimitHit(startLimit, s.ctx.attempts, s.now, s.ctx.attemptsInNewest))
    return giveUp(s, before, what);
  const step = backoffStepFor(backoff, s.ctx.quickCrashes, spawnFailed ? null : uptime);
  s.ctx.quickCrashes = step + 1;
  s.ctx.restarts += 1;
  const delay = computeBackoffDelay(backoff, step, s.random);
  if (delay === 0) return attemptStart(s, `${what}; restarting now`, before);
  s.ctx.timerAt = s.now + delay;
  return go(s, "backoff", `${what}; restarting in ${delay} ms`, [
    ...before,
    { type: "arm_timer", purpose: "backoff", ms: delay },
  ]);
}

function onTimer(s: Step, purpose: "backoff" | "stop_timeout" | "retry_after"): Transition {
  if (purpose === "backoff" && s.state === "backoff") {
    if (s.ctx.desired === "down") {
      s.ctx.timerAt = null;
      return go(s, "stopped", "backoff over, but a stop was requested");
    }
    return attemptStart(s, "backoff over: restarting");
  }
  if (purpose === "retry_after" && s.state === "failed" && s.ctx.desired === "up") {
    clearBudget(s.ctx);
    return attemptStart(s, "retry_after cool-down over: trying again");
  }
  if (purpose === "stop_timeout" && s.state === "stopping") {
    s.ctx.timerAt = null;
    return stay(s, `did not stop within ${s.svc.stop.timeoutMs / 1000}s: SIGKILL to the whole tree`, [
      { type: "kill_tree" },
    ]);
  }
  return stay(s, `ignored: ${purpose} timer fired while ${s.state}`);
}

function onAdopted(s: Step, pid: number, startedAt: number, tie: string): Transition {
  s.ctx.pid = pid;
  s.ctx.startedAt = startedAt;
  switch (s.state) {
    case "stopped":
    case "waiting":
    case "starting":
    case "backoff":
    case "failed":
    case "exited":
      if (s.ctx.desired === "down") return beginStop(s, `adopted PID ${pid}, but the operator stopped it`);
      s.ctx.timerAt = null;
      return go(s, "running", `adopted live PID ${pid} (${tie})`, [{ type: "cancel_timer" }]);
    case "running":
    case "stopping":
      return stay(s, `adopted PID ${pid}`);
    default:
      return assertNever(s.state);
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}
