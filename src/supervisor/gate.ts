/**
 * What a start waits for (the machine's `await_gate`): every dependency, then the condition.
 * A dependency is looked at again at each change of its state; a condition that does not hold
 * is tried again `every`, and a peer that does not answer costs at most `condition.timeout`.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { ConditionConfig } from "../config/model.js";
import { describeProbe } from "../health/describe-probe.js";
import { formatDuration } from "../core/duration.js";
import { isOneShotProbe, runProbe } from "../health/probe.js";
import type { ServiceRunner } from "../service/runner.js";
import { probeOptionsFor } from "./probe-options.js";
import { dependenciesOf, nextChange, unmetDependency, type Runners } from "./dependencies.js";

/** Resolves once the gate holds; returns early (doing nothing more) once `signal` aborts. */
export async function waitForGate(
  runners: Runners,
  runner: ServiceRunner,
  signal: AbortSignal,
  blocked: (reason: string) => void,
): Promise<void> {
  let said: string | null = null;
  const say = (reason: string): void => {
    if (reason !== said) blocked(reason); // each dependency event wakes us: tell only news
    said = reason;
  };
  while (!signal.aborted) {
    const deps = dependenciesOf(runners, runner);
    const unmet = unmetDependency(runners, runner);
    if (unmet !== null) {
      say(unmet);
      await nextChange(deps, signal);
      continue;
    }
    const condition = runner.config.condition;
    if (condition === null) return;
    const verdict = await checkCondition(runner, condition, signal);
    if (signal.aborted || verdict === null) return;
    say(`${verdict}; next check in ${formatDuration(condition.everyMs)}`);
    // Not sooner, whatever else changes: an offline peer is not hammered.
    await sleep(condition.everyMs, undefined, { signal }).catch(() => undefined);
  }
}

/** null when the condition holds, else why not. */
async function checkCondition(
  runner: ServiceRunner,
  condition: ConditionConfig,
  signal: AbortSignal,
): Promise<string | null> {
  const what = `condition ${describeProbe(condition.probe)}`;
  // The loader accepts only tcp, http, exec and path here.
  if (!isOneShotProbe(condition.probe)) return `${what} is not a check upkeep can run`;
  try {
    const options = probeOptionsFor(runner.config, condition.probe, condition.timeoutMs, signal);
    const result = await runProbe(condition.probe, options);
    return result.ok ? null : `${what} does not hold (${result.detail})`;
  } catch (err) {
    // A user that vanished from /etc/passwd, say: the service waits and says why.
    return `${what} cannot be checked: ${err instanceof Error ? err.message : String(err)}`;
  }
}
