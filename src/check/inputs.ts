/**
 * Where the check's facts come from: the daemon's live runners, or, with the daemon down, the
 * config file and the state store read directly (SPEC §5).
 */
import type { Config } from "../config/model.js";
import type { ServiceRunner } from "../service/runner.js";
import { SERVICE_STATES, type ServiceState } from "../service/states.js";
import type { ProcessRecord, ServiceRecord } from "../store/store.js";
import type { ProbeView } from "../service/readiness.js";
import type { CheckInput } from "./run-check.js";

/** The daemon's own view: every runner's live state and record. */
export function inputFromRunners(
  runners: Iterable<ServiceRunner>,
  records: readonly ProcessRecord[],
  stateDir: string,
  probeOf: (name: string) => ProbeView | null = () => null,
): CheckInput {
  const list = [...runners];
  const names = new Set(list.map((r) => r.name));
  return {
    services: list.map((r) => ({
      config: r.config,
      state: r.state,
      desired: r.context.desired,
      reason: r.reason,
      record: r.record,
      probe: probeOf(r.name),
    })),
    orphanRecords: records.filter((r) => !names.has(r.service)),
    daemon: { pid: process.pid },
    stateDir,
    startCommand: "",
  };
}

function isServiceState(text: string): text is ServiceState {
  return (SERVICE_STATES as readonly string[]).includes(text);
}

/** The view with the daemon down: what the store kept of each configured service. */
export function inputFromStore(
  config: Config,
  services: readonly ServiceRecord[],
  records: readonly ProcessRecord[],
  startCommand: string,
): CheckInput {
  const saved = new Map(services.map((s) => [s.service, s]));
  const byService = new Map(records.map((r) => [r.service, r]));
  const names = new Set(config.services.map((s) => s.name));
  return {
    services: config.services.map((svc) => {
      const row = saved.get(svc.name);
      return {
        config: svc,
        state: row !== undefined && isServiceState(row.state) ? row.state : null,
        desired: row?.desired ?? "up",
        reason: row?.reason ?? "never started",
        record: byService.get(svc.name) ?? null,
      };
    }),
    orphanRecords: records.filter((r) => !names.has(r.service)),
    daemon: null,
    stateDir: config.stateDir,
    startCommand,
  };
}
