/**
 * Start-up recovery of every record at once (SPEC §6): each configured service's record is
 * adopted or cleared, a service without a record (and without a cgroup) is looked for among
 * this state dir's processes, and records of services that left the config are dealt with.
 */
import { killTreeAndWait } from "../identity/kill-tree.js";
import { checkIdentity } from "../identity/process-identity.js";
import type { ProcStat } from "../identity/proc-stat.js";
import type { ServiceLog } from "../logs/service-log.js";
import { removePidFile } from "../service/pid-file.js";
import { findStateDirProcesses, leftoverSelector, proveRecord } from "../service/record-tie.js";
import type { ServiceRunner } from "../service/runner.js";
import { selectorOf } from "../service/tree-effects.js";
import type { ProcessRecord } from "../store/store.js";
import { recoverRecord, recoverUnrecorded, reportUntied, type RecoveryContext } from "./adopt.js";

/**
 * Adopts or clears the record of every runner; returns each one's outcome, in order. Records
 * of the runners are taken out of `records`: what is left belongs to removed services.
 */
export async function recoverRunners(
  runners: readonly ServiceRunner[],
  records: Map<string, ProcessRecord>,
  logs: ReadonlyMap<string, ServiceLog>,
  ctx: RecoveryContext,
): Promise<("adopted" | "cleared")[]> {
  // Without cgroups, processes of this state dir that no record names (the store was lost)
  // are found by their environment: one scan, only when some service has no record.
  let scanned: Map<string, ProcStat[]> | null = null;
  const users = new Map(runners.map((r) => [r.name, r.config.user]));
  const userOf = (service: string): string | null => users.get(service) ?? null;
  const unrecorded = (): Map<string, ProcStat[]> => (scanned ??= findStateDirProcesses(ctx.scope, userOf));
  return Promise.all(
    runners.map(async (runner) => {
      const record = records.get(runner.name) ?? null;
      records.delete(runner.name);
      // (An external service is found by its pidfile or match at its start instead.)
      const look = record === null && runner.cgroupPath === null && runner.config.type !== "external";
      const found = look ? unrecorded().get(runner.name) : undefined;
      const outcome = found
        ? await recoverUnrecorded(runner, found, ctx)
        : await recoverRecord(runner, record, ctx);
      if (outcome === "cleared" && record) {
        // What the old run wrote while no daemon ran (kept by the FIFO holder) goes before
        // the marker, and both before the next run's "started PID".
        const log = logs.get(runner.name);
        log?.drainNow();
        log?.marker(`the run of PID ${record.pid} ended while no daemon ran (exit status unknown)`);
      }
      return outcome;
    }),
  );
}

/**
 * Records of services that are no longer in the config: stop what is left of them. The
 * recorded process, its group and session are selected only while it is provably the one
 * recorded and tied to this state dir; else only this state dir's cgroup and marker select.
 */
export async function recoverRemoved(records: readonly ProcessRecord[], ctx: RecoveryContext): Promise<void> {
  for (const record of records) {
    const name = record.service;
    const live = checkIdentity(record).status === "live";
    const proof = live ? proveRecord(record, null, ctx.scope) : null;
    if (proof !== null && !proof.tied) {
      await reportUntied(name, record, proof.why, ctx);
      continue;
    }
    const event = await ctx.store.appendEvent({
      ts: Date.now(),
      service: name,
      kind: "stale",
      reason: `service ${name} has a process record but is no longer in the config: its processes are stopped`,
    });
    ctx.publish(event);
    const selector = proof?.tied ? selectorOf(proof.record) : leftoverSelector(record, ctx.scope);
    await killTreeAndWait(selector, 5_000);
    removePidFile(ctx.stateDir, name);
    await ctx.store.deleteProcess(name);
  }
}
