import { UpkeepError } from "../core/errors.js";
import type { ServiceRunner } from "../service/runner.js";
import type { ServiceState } from "../service/states.js";
import type { Supervisor } from "./supervisor.js";
import { inStopOrder, isBlockedByOperator } from "./dependencies.js";
import { reasonToSkipReload, reloadService } from "./reload.js";

export const OPERATOR_ACTIONS = ["start", "stop", "restart", "reload", "reset"] as const;
export type OperatorAction = (typeof OPERATOR_ACTIONS)[number];

export interface ActionResult {
  name: string;
  ok: boolean;
  state: ServiceState;
  pid: number | null;
  message: string;
  hint?: string;
}

/** Extra time beyond the stop timeout for the SIGKILL of the tree and the bookkeeping. */
const STOP_GRACE_MS = 7_000;
/** How long `upkeep start` waits for a service's dependencies and condition before it reports `waiting`. */
const GATE_WAIT_MS = 15_000;
/** How long a oneshot may run before `upkeep start` stops waiting for its result. */
const ONESHOT_WAIT_MS = 60_000;

/**
 * The services an action names: exact names, `web` for every instance `web@*`, or all.
 * An unknown name fails the whole request before anything is done.
 */
export function selectRunners(supervisor: Supervisor, names: string[], all: boolean): ServiceRunner[] {
  if (all) return [...supervisor.runners.values()];
  const selected = new Set<ServiceRunner>();
  for (const name of names) {
    const matches = [...supervisor.runners.values()].filter(
      (r) => r.name === name || r.name.startsWith(`${name}@`),
    );
    if (matches.length === 0) {
      const known = [...supervisor.runners.keys()].join(", ") || "(none)";
      throw new UpkeepError("SERVICE_UNKNOWN", `no service named '${name}' in ${supervisor.config.file}`, {
        hint: `known services: ${known}`,
        details: { service: name },
      });
    }
    for (const m of matches) selected.add(m);
  }
  return [...selected];
}

/**
 * Perform one operator action on each service: a stop stops dependents before what they
 * depend on; the other actions go at once (a start of several waits for dependencies by
 * itself: the dependents are `waiting` until those are ready). `reload --all` reloads only the
 * services that can be reloaded now and names the others as skipped.
 */
export async function performActions(
  supervisor: Supervisor,
  runners: ServiceRunner[],
  action: OperatorAction,
  force = false,
  all = false,
): Promise<ActionResult[]> {
  if (action === "reload" && all) {
    return Promise.all(
      runners.map((r) => {
        const skip = reasonToSkipReload(r);
        if (skip === null) return performAction(supervisor, r, action, force);
        return Promise.resolve(result(r, true, `skipped ${r.name}: ${skip}`));
      }),
    );
  }
  if (action !== "stop") return Promise.all(runners.map((r) => performAction(supervisor, r, action, force)));
  const results = new Map<ServiceRunner, ActionResult>();
  await inStopOrder(supervisor.runners, runners, async (r) => {
    results.set(r, await performAction(supervisor, r, action, force));
  });
  return runners.map((r) => results.get(r)!);
}

/** Perform one operator action on one service and wait for its result. */
export async function performAction(
  supervisor: Supervisor,
  runner: ServiceRunner,
  action: OperatorAction,
  force = false,
): Promise<ActionResult> {
  try {
    return await act(supervisor, runner, action, force);
  } finally {
    // --force is for this action's own start only: a later automatic restart asks again
    // (a stale pidfile could by then name a stranger who got the number).
    runner.forceNextStart = false;
  }
}

async function act(
  supervisor: Supervisor,
  runner: ServiceRunner,
  action: OperatorAction,
  force: boolean,
): Promise<ActionResult> {
  const forced = force ? " --force" : "";
  await supervisor.emit({ service: runner.name, kind: "action", reason: `operator: ${action}${forced}` });
  // --force matters only where identity cannot be proven: a pidfile naming a live process
  // that upkeep cannot tie to the service is then taken over instead of refused.
  if (force && (action === "start" || action === "reset" || action === "restart"))
    runner.forceNextStart = true;
  switch (action) {
    case "start":
    case "reset":
      await runner.send({ type: action === "start" ? "start_requested" : "reset_requested" });
      await waitForStartResult(supervisor, runner);
      return startResult(runner, action === "start" ? "started" : "reset and started");
    case "stop":
      await runner.send({ type: "stop_requested" });
      await runner.waitUntil((r) => r.state === "stopped", runner.stopWaitMs + STOP_GRACE_MS);
      return result(runner, runner.state === "stopped", `${runner.name} stopped`);
    case "restart": {
      const oldPid = runner.context.pid;
      await runner.send({ type: "restart_requested" });
      await runner.waitUntil(
        (r) =>
          (r.state === "running" && r.context.pid !== oldPid) ||
          r.state === "waiting" ||
          isSettledFailure(r.state),
        runner.stopWaitMs + (runner.config.ready?.timeoutMs ?? 0) + STOP_GRACE_MS,
      );
      if (runner.state === "waiting") await waitForStartResult(supervisor, runner);
      return startResult(runner, "restarted");
    }
    case "reload":
      return reloadService(supervisor, runner);
    default: {
      const never: never = action;
      throw new Error(`unknown action ${String(never)}`);
    }
  }
}

/**
 * A oneshot's result is its exit; a service with a readiness probe is running once ready, or
 * has failed its start at ready.timeout: the action waits for that. A service `waiting` for
 * its dependencies or condition is waited for up to GATE_WAIT_MS (that may take any time);
 * still waiting then, the result says so and why.
 */
async function waitForStartResult(supervisor: Supervisor, runner: ServiceRunner): Promise<void> {
  // A dependency on its way up or a condition about to hold: worth a short wait for the
  // result. A required service that is failed or stopped is not: the answer says so at once.
  if (runner.state === "waiting" && !isBlockedByOperator(supervisor.runners, runner))
    await runner.waitUntil(
      (r) => r.state !== "waiting" || isBlockedByOperator(supervisor.runners, r),
      GATE_WAIT_MS,
    );
  if (runner.state === "waiting") return;
  const { type, ready } = runner.config;
  if (type === "oneshot") {
    await runner.waitUntil((r) => r.state !== "starting", ONESHOT_WAIT_MS);
    return;
  }
  if (ready === null) return;
  const wait =
    ready.timeoutMs + (type === "forking" || type === "external" ? runner.config.startTimeoutMs : 0);
  await runner.waitUntil((r) => r.state !== "starting", wait + STOP_GRACE_MS);
}

function isSettledFailure(state: ServiceState): boolean {
  return state === "failed" || state === "backoff" || state === "exited" || state === "stopped";
}

function startResult(runner: ServiceRunner, verb: string): ActionResult {
  const { state } = runner;
  const oneshotDone = runner.config.type === "oneshot" && state === "exited";
  if (state === "waiting")
    return result(runner, true, `${runner.name} is waiting: ${runner.reason.replace(/^waiting: /, "")}`);
  if (state === "running" || state === "starting" || oneshotDone) {
    const pid = runner.context.pid;
    return result(runner, true, `${runner.name} ${verb}${pid ? ` (PID ${pid})` : ""}: ${state}`);
  }
  return result(runner, false, `${runner.name} did not start: ${state}: ${runner.reason}`, {
    hint: `see its output: upkeep logs ${runner.name} -n 50; and its events: upkeep events ${runner.name}`,
  });
}

/** One service's answer to an action, as the CLI prints it. */
export function result(
  runner: ServiceRunner,
  ok: boolean,
  message: string,
  extra: { hint?: string } = {},
): ActionResult {
  return { name: runner.name, ok, state: runner.state, pid: runner.context.pid, message, ...extra };
}
