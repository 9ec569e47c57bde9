/**
 * `health`: the periodic probe (tcp, http, exec or log) with its interval, timeout and failures,
 * and `restart_on`: which lost expectations (ports, children, the probe) restart the service.
 */
import { formatDuration } from "../core/duration.js";
import { isSeq } from "yaml";
import { RESTART_ON_KINDS, type HealthProbeConfig, type ProbeSpec, type RestartOnKind } from "./model.js";
import type { Field, ProblemSink } from "./problem-sink.js";
import { readCheckedSection, seqItem } from "./read-map.js";
import { readEnum, readNumber, wrongType } from "./read-scalars.js";
import { readDuration } from "./read-typed.js";
import {
  DEFAULT_HEALTH_FAILURES,
  DEFAULT_HEALTH_INTERVAL_MS,
  DEFAULT_HEALTH_TIMEOUT_MS,
  HEALTH_KEYS,
  HEALTH_PROBE_KINDS,
} from "./schema.js";
import { pick } from "./validate-policies.js";
import { kindsExpected, readProbe, reportNoProbe } from "./validate-probe.js";

export interface HealthResult {
  health: HealthProbeConfig | null;
  restartOn: RestartOnKind[];
}

/** `restart_on: [ports, children, probe]`, without repeats; `probe` needs a probe beside it. */
function readRestartOn(
  sink: ProblemSink,
  field: Field,
  probe: ProbeSpec | null | undefined,
): RestartOnKind[] {
  const restartOn: RestartOnKind[] = [];
  if (!isSeq(field.value)) return wrongType(sink, field, `a list of: ${RESTART_ON_KINDS.join(", ")}`) ?? [];
  field.value.items.forEach((raw, index) => {
    const item = seqItem(sink, field, raw, index);
    const kind = readEnum(sink, item, RESTART_ON_KINDS);
    if (kind === "probe" && probe === null) {
      const message = "restart_on names probe, but health has no probe";
      const expected = `${kindsExpected(HEALTH_PROBE_KINDS)} beside restart_on, or remove probe`;
      sink.problem("CONFIG_BAD_VALUE", item.where, item.path, message, expected, '"probe"');
    }
    if (kind !== undefined && !restartOn.includes(kind)) restartOn.push(kind);
  });
  return restartOn;
}

/** Notes a timeout longer than the interval: the next probe only starts after the last one ends. */
function noteOverlap(
  sink: ProblemSink,
  section: Map<string, Field>,
  intervalMs: number,
  timeoutMs: number,
): void {
  const at = section.get("timeout") ?? section.get("interval");
  if (at === undefined || timeoutMs <= intervalMs) return;
  const message =
    `timeout (${formatDuration(timeoutMs)}) is longer than interval (${formatDuration(intervalMs)}): ` +
    "probes never overlap, so a slow probe delays the next one";
  sink.note(at.keyWhere, at.path, message);
}

/** The health section; absent: no probe, and restart_on empty. */
export function readHealth(sink: ProblemSink, field: Field | undefined, baseDir: string): HealthResult {
  if (field === undefined) return { health: null, restartOn: [] };
  const read = readCheckedSection(sink, field, HEALTH_KEYS);
  if (read === undefined) return { health: null, restartOn: [] };
  const { section } = read;
  const intervalMs = pick(section, "interval", (f) => readDuration(sink, f, 1));
  const timeoutMs = pick(section, "timeout", (f) => readDuration(sink, f, 1));
  const failures = pick(section, "failures", (f) => readNumber(sink, f, { min: 1, integer: true }));
  const probe = readProbe(sink, field, section, HEALTH_PROBE_KINDS, baseDir);
  const restartField = section.get("restart_on");
  // Only restart_on is a valid health section without a probe (a tree's ports and children).
  const probeKeys = [...section.keys()].filter((key) => key !== "restart_on");
  if (probe === null && (restartField === undefined || probeKeys.length > 0)) {
    const why = probeKeys.length > 0 ? `health has ${probeKeys.join(", ")} but names no probe` : undefined;
    reportNoProbe(sink, field, read, HEALTH_PROBE_KINDS, why);
  }
  const restartOn =
    restartField === undefined ? (probe ? ["probe" as const] : []) : readRestartOn(sink, restartField, probe);
  if (probe === null || probe === undefined) return { health: null, restartOn };
  const health: HealthProbeConfig = {
    probe,
    intervalMs: intervalMs ?? DEFAULT_HEALTH_INTERVAL_MS,
    timeoutMs: timeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS,
    failures: failures ?? DEFAULT_HEALTH_FAILURES,
  };
  noteOverlap(sink, section, health.intervalMs, health.timeoutMs);
  return { health, restartOn };
}
