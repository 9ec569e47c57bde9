/**
 * What a start waits for (the machine's `await_gate`): every dependency, then the condition.
 * A dependency is looked at again at each change of its state; a condition that does not hold
 * is tried again `every`, and a peer that does not answer costs at most `condition.timeout`.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describeMs, describeProbe } from "../health/describe-probe.js";
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
  while (!signal.aborted) {
    const deps = dependenciesOf(runners, runner);
    const unmet = unmetDependency(runners, runner);
    if (unmet !== null) {
      blocked(unmet);
      await nextChange(deps, signal);
      continue;
    }
    const condition = runner.config.condition;
    if (condition === null) return;
    // The loader accepts only tcp, http, exec and path here.
    if (!isOneShotProbe(condition.probe))
      throw new Error(`condition ${describeProbe(condition.probe)} is not a check`);
    const options = probeOptionsFor(runner.config, condition.timeoutMs, signal);
    const result = await runProbe(condition.probe, options);
    if (signal.aborted) return;
    if (result.ok) return;
    const what = describeProbe(condition.probe);
    blocked(
      `condition ${what} does not hold (${result.detail}); next check in ${describeMs(condition.everyMs)}`,
    );
    // Not sooner, whatever else changes: an offline peer is not hammered.
    await sleep(condition.everyMs, undefined, { signal }).catch(() => undefined);
  }
}
