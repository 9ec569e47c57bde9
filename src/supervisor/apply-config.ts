import { writeConfigSnapshot } from "../config/snapshot.js";
import { diffConfigs, type ConfigPlan } from "../config/diff.js";
import { formatProblem } from "../config/format-problem.js";
import { loadConfig } from "../config/load.js";
import type { Config } from "../config/model.js";
import { holdSecretVariables, notifySecretVariables } from "../config/validate-secret.js";
import { UpkeepError } from "../core/errors.js";
import { describeStartedWith } from "../service/started-with.js";
import type { Supervisor } from "./supervisor.js";

/**
 * Re-read the config and apply only the difference (SIGHUP, `upkeep reload-config`): added
 * services start, removed ones stop, changed ones restart when a key that shapes the process
 * changed (command, env, cwd, user...), take other keys live, and unchanged services keep
 * their PID. A config with any problem is rejected whole and the running set is kept.
 * One reload at a time: requests that arrive meanwhile fold into one more reload after it.
 */
export function reloadConfig(
  supervisor: Supervisor,
  options: { dryRun: boolean; stateDirOverride?: string },
): Promise<ReloadResult> {
  if (options.dryRun) return readAndApply(supervisor, true);
  const queue = queues.get(supervisor) ?? { running: null, next: null };
  queues.set(supervisor, queue);
  if (queue.running === null) return runReload(supervisor, queue);
  // A reload is under way: this request folds into the one that follows it, which reads the
  // config as it is then, so a burst of SIGHUPs costs at most two reloads.
  queue.next ??= queue.running
    .catch(() => undefined)
    .then(() => {
      queue.next = null;
      return runReload(supervisor, queue);
    });
  return queue.next;
}

export interface ReloadResult {
  plan: ConfigPlan;
  applied: boolean;
}

/** The reload under way, and the one that follows it (every request made meanwhile). */
interface ReloadQueue {
  running: Promise<ReloadResult> | null;
  next: Promise<ReloadResult> | null;
}

const queues = new WeakMap<Supervisor, ReloadQueue>();

function runReload(supervisor: Supervisor, queue: ReloadQueue): Promise<ReloadResult> {
  const run = readAndApply(supervisor, false);
  queue.running = run;
  const clear = (): void => {
    if (queue.running === run) queue.running = null;
  };
  run.then(clear, clear);
  return run;
}

/**
 * The plan also restarts a running process that was started with other process-shaping values
 * than the new config has, although the old and new config agree: a config changed while no
 * daemon ran whose restart at adoption did not happen, or a reload cut short. A process of an
 * older upkeep (no record of its config) is listed as unverified, not restarted blindly.
 */
function planAgainstProcesses(supervisor: Supervisor, next: Config, plan: ConfigPlan): ConfigPlan {
  const restarting = new Set(plan.restart.map((entry) => entry.name));
  const added = new Set(plan.add);
  const moved = new Set<string>();
  for (const svc of next.services) {
    const runner = supervisor.runners.get(svc.name);
    const running = runner?.state === "running" || runner?.state === "starting";
    if (restarting.has(svc.name) || added.has(svc.name) || !running || runner.record === null) continue;
    const startedWith = describeStartedWith(svc, runner.record);
    if (startedWith.kind === "unknown") plan.unverified.push(svc.name);
    if (startedWith.kind !== "outdated") continue;
    const live = plan.live.find((entry) => entry.name === svc.name)?.keys ?? [];
    plan.restart.push({ name: svc.name, keys: [...startedWith.keys, ...live] });
    moved.add(svc.name);
  }
  if (moved.size === 0) return plan;
  return {
    ...plan,
    live: plan.live.filter((entry) => !moved.has(entry.name)),
    unchanged: plan.unchanged.filter((name) => !moved.has(name)),
  };
}

async function readAndApply(supervisor: Supervisor, dryRun: boolean): Promise<ReloadResult> {
  const options = { dryRun };
  const file = supervisor.config.file;
  const loaded = loadConfig(file, { stateDirOverride: supervisor.config.stateDir });
  if (!loaded.ok) {
    const problems = loaded.problems.map(formatProblem);
    if (!options.dryRun) {
      await supervisor.emit({
        service: null,
        kind: "config",
        reason: `config reload rejected: ${problems.length} problem(s); the running set is kept`,
        details: { problems },
      });
    }
    throw new UpkeepError(
      "CONFIG_INVALID",
      `config ${file} has ${problems.length} problem(s); nothing was changed`,
      {
        hint: `fix them, check with: upkeep --config ${file} config check`,
        details: { problems },
      },
    );
  }
  const next = loaded.config;
  const plan = planAgainstProcesses(supervisor, next, diffConfigs(supervisor.config, next));
  if (options.dryRun) return { plan, applied: false };
  // The variables the new config names as secrets leave the environment before the restarts and
  // starts below: the processes they start would otherwise carry them for as long as they run.
  holdSecretVariables(notifySecretVariables(next));

  const byName = new Map(next.services.map((s) => [s.name, s]));
  // New configs first, removals after: a service that no longer requires a removed one must
  // not be stopped with it, nor wait for it.
  for (const { name } of [...plan.live, ...plan.restart]) {
    const runner = supervisor.runners.get(name);
    const svc = byName.get(name);
    if (!runner || !svc) continue;
    runner.config = svc;
    supervisor.logs.get(name)?.updateLimits(svc.logs.maxSizeBytes, svc.logs.keep);
  }
  for (const { name } of plan.live) {
    const runner = supervisor.runners.get(name);
    if (!runner) continue;
    // children, listen, restart_on, health, limits or ready may have changed
    supervisor.treeWatch.refresh(runner);
    supervisor.healthWatch.refresh(runner);
    supervisor.limitsWatch.refresh(runner);
    supervisor.releaseReadiness(runner);
  }
  await Promise.all(plan.remove.map((name) => supervisor.removeRunner(name)));
  await Promise.all(
    plan.restart.map(async ({ name }) => {
      const runner = supervisor.runners.get(name);
      // Only a process that runs needs a restart to take the change; a stopped one takes it
      // at its next start.
      if (runner?.state === "running" || runner?.state === "starting") {
        await runner.send({ type: "restart_requested" });
      }
    }),
  );
  // All added runners exist before any starts, so an added dependent sees an added dependency.
  const added = await Promise.all(
    plan.add.flatMap((name) => {
      const svc = byName.get(name);
      return svc ? [supervisor.addRunner(svc)] : [];
    }),
  );
  if (plan.add.length > 0 || plan.remove.length > 0) supervisor.fifosChanged();
  await Promise.all(
    added.map(async (runner) => {
      if (runner.context.desired === "up") await runner.send({ type: "start_requested" });
    }),
  );
  // The active config changes only now that the set of services matches it: a dry run or the
  // next reload diffs against what runs, never against a set still being built.
  supervisor.config = next;
  writeConfigSnapshot(next);
  // after, requires or condition may have changed, or a dependency gone: waiting services look again.
  for (const runner of supervisor.runners.values()) runner.recheckGate();
  await supervisor.emit({
    service: null,
    kind: "config",
    reason: `config reloaded: ${plan.add.length} added, ${plan.remove.length} removed, ${plan.restart.length} restarted, ${plan.live.length} changed live, ${plan.unchanged.length} unchanged`,
    details: { plan },
  });
  return { plan, applied: true };
}
