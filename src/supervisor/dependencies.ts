/**
 * `after` and `requires` between services (SPEC §2): what a start waits for, the order of a
 * stop, and the stop of dependents whose requirement failed (`on_required_failure: stop`).
 * Cycles never reach here: the config loader rejects them.
 */
import type { ServiceRunner } from "../service/runner.js";
import type { ServiceState } from "../service/states.js";

export type Runners = ReadonlyMap<string, ServiceRunner>;

/** States in which a service wanted up is still on its way to running. */
const ON_ITS_WAY: readonly ServiceState[] = ["waiting", "starting", "backoff", "stopping"];

/**
 * True when the service waits for a required service that is not on its way up (failed,
 * stopped, ended): only an operator can change that, so nobody should wait for it to pass.
 */
export function isBlockedByOperator(runners: Runners, runner: ServiceRunner): boolean {
  if (runner.state !== "waiting") return false;
  return runner.config.requires.some((name) => {
    const dep = runners.get(name);
    return dep !== undefined && !isReadyForDependents(dep) && !isOnItsWay(dep);
  });
}

/** Ready for its dependents: running, or a oneshot that completed. */
export function isReadyForDependents(r: ServiceRunner): boolean {
  return r.state === "running" || (r.config.type === "oneshot" && r.state === "exited");
}

function isOnItsWay(r: ServiceRunner): boolean {
  return r.context.desired === "up" && ON_ITS_WAY.includes(r.state);
}

/**
 * Why `runner` may not start yet, or null when every dependency allows it. An `after`
 * dependency holds it only while that service is on its way up (one that is stopped or failed
 * has nothing to wait for); a `requires` dependency must be ready.
 */
export function unmetDependency(runners: Runners, runner: ServiceRunner): string | null {
  const { after, requires } = runner.config;
  for (const name of after) {
    const dep = runners.get(name);
    if (dep === undefined || isReadyForDependents(dep)) continue;
    const required = requires.includes(name);
    if (isOnItsWay(dep)) return `${name} is not ready yet (${dep.state})`;
    if (!required) continue;
    const what = dep.context.desired === "down" ? "the operator stopped" : `is ${dep.state}`;
    return `requires ${name}, which ${what}: start it with \`upkeep start ${name}\``;
  }
  return null;
}

/** Resolves on the next change of any of these runners, or when `signal` aborts. */
export function nextChange(runners: ServiceRunner[], signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const offs: (() => void)[] = [];
    const done = (): void => {
      for (const off of offs) off();
      signal.removeEventListener("abort", done);
      resolve();
    };
    for (const r of runners) offs.push(r.onChange(done));
    signal.addEventListener("abort", done);
  });
}

/** The runners named in `after` (and so in `requires`) that exist. */
export function dependenciesOf(runners: Runners, runner: ServiceRunner): ServiceRunner[] {
  return runner.config.after.map((n) => runners.get(n)).filter((r): r is ServiceRunner => r !== undefined);
}

/** The runners that name `name` in their `after`. */
export function dependentsOf(runners: Runners, name: string): ServiceRunner[] {
  return [...runners.values()].filter((r) => r.config.after.includes(name));
}

/**
 * Runs `stop` for each runner, a dependent always before what it depends on (reverse start
 * order), independent ones at the same time. Dependents outside `selected` are not touched.
 */
export async function inStopOrder(
  runners: Runners,
  selected: ServiceRunner[],
  stop: (r: ServiceRunner) => Promise<void>,
): Promise<void> {
  const chosen = new Set(selected);
  const started = new Map<ServiceRunner, Promise<void>>();
  const stopOne = (r: ServiceRunner): Promise<void> => {
    const known = started.get(r);
    if (known) return known;
    const first = dependentsOf(runners, r.name).filter((d) => chosen.has(d));
    const promise = Promise.all(first.map(stopOne)).then(() => stop(r));
    started.set(r, promise);
    return promise;
  };
  await Promise.all(selected.map(stopOne));
}

/**
 * Whether this change takes the service away from its dependents: it failed, was stopped,
 * ended for good (a oneshot's `exited` is its success), or was itself stopped to wait for
 * something it requires (so a chain of `on_required_failure: stop` goes all the way down).
 */
function isLoss(r: ServiceRunner, from: ServiceState, to: ServiceState): boolean {
  if (to === "failed" || to === "stopped") return true;
  if (to === "exited") return r.config.type !== "oneshot";
  return to === "waiting" && from === "stopping";
}

/**
 * Watches every runner: when one is lost (isLoss), its running dependents with
 * `on_required_failure: stop` are stopped (they then wait until it runs again). Returns the
 * function that attaches one runner; `quiet` is true while the daemon shuts down.
 */
export function watchRequirements(runners: Runners, quiet: () => boolean): (r: ServiceRunner) => () => void {
  return (runner) => {
    let last = runner.state;
    return runner.onChange(() => {
      const from = last;
      const now = runner.state;
      last = now;
      if (now === from || !isLoss(runner, from, now) || quiet()) return;
      for (const dep of dependentsOf(runners, runner.name)) {
        const { requires, onRequiredFailure } = dep.config;
        if (!requires.includes(runner.name) || onRequiredFailure !== "stop") continue;
        void dep.send({ type: "dependency_lost", reason: `requires ${runner.name}, which is ${now}` });
      }
    });
  };
}
