/**
 * What a start waits for: `ready` (when a started service counts as running) and `condition`
 * (what must hold before each start). `type: notify` means `ready: notify`.
 */
import { isScalar } from "yaml";
import type { ConditionConfig, ReadyConfig, ServiceType } from "./model.js";
import type { Field, ProblemSink } from "./problem-sink.js";
import { readCheckedSection } from "./read-map.js";
import { readDuration } from "./read-typed.js";
import {
  CONDITION_KEYS,
  CONDITION_PROBE_KINDS,
  DEFAULT_CONDITION_EVERY_MS,
  DEFAULT_CONDITION_TIMEOUT_MS,
  DEFAULT_READY_INTERVAL_MS,
  DEFAULT_READY_TIMEOUT_MS,
  READY_KEYS,
  READY_PROBE_KINDS,
} from "./schema.js";
import { pick } from "./validate-policies.js";
import { readProbe, reportNoProbe } from "./validate-probe.js";

const READY_WHAT = `notify, or a map with one probe (${READY_PROBE_KINDS.join(", ")}) and timeout, interval`;

function notifyReady(): ReadyConfig {
  return {
    probe: { kind: "notify" },
    timeoutMs: DEFAULT_READY_TIMEOUT_MS,
    intervalMs: DEFAULT_READY_INTERVAL_MS,
  };
}

/** `ready: { <probe>, timeout, interval }` or `ready: notify`; null: ready once spawned or found. */
export function readReady(
  sink: ProblemSink,
  field: Field | undefined,
  type: ServiceType,
  baseDir: string,
): ReadyConfig | null {
  if (field === undefined) return type === "notify" ? notifyReady() : null;
  if (type === "oneshot") {
    const message = "a oneshot service is ready when it exits with 0, so ready is not used";
    sink.problem("CONFIG_BAD_VALUE", field.keyWhere, field.path, message, "no ready on type: oneshot");
    return null;
  }
  if (isScalar(field.value) && field.value.value === "notify") return notifyReady();
  const read = readCheckedSection(sink, field, READY_KEYS, READY_WHAT);
  if (read === undefined) return null;
  const { section } = read;
  const timeoutMs = pick(section, "timeout", (f) => readDuration(sink, f, 1)) ?? DEFAULT_READY_TIMEOUT_MS;
  const intervalMs = pick(section, "interval", (f) => readDuration(sink, f, 1)) ?? DEFAULT_READY_INTERVAL_MS;
  let probe = readProbe(sink, field, section, READY_PROBE_KINDS, baseDir);
  // `type: notify` names the probe itself: `ready: { timeout: 5s }` is enough.
  if (probe === null && type === "notify") probe = { kind: "notify" };
  if (probe === null) reportNoProbe(sink, field, read, READY_PROBE_KINDS);
  if (probe === null || probe === undefined) return null;
  if (type === "notify" && probe.kind !== "notify") {
    const at = section.get(probe.kind) ?? field;
    const message = `a type: notify service is ready when it sends READY=1, so ready.${probe.kind} cannot be used`;
    const expected = `ready: { notify: true, timeout: 30s }, or another type with ready.${probe.kind}`;
    sink.problem("CONFIG_BAD_VALUE", at.keyWhere, at.path, message, expected);
  }
  const intervalField = section.get("interval");
  if (intervalField !== undefined && (probe.kind === "log" || probe.kind === "notify")) {
    const how = probe.kind === "log" ? "every line of output is matched" : "READY=1 is read as it arrives";
    sink.note(
      intervalField.keyWhere,
      intervalField.path,
      `interval has no effect on a ${probe.kind} probe: ${how}`,
    );
  }
  return { probe, timeoutMs, intervalMs };
}

/** `condition: { <probe>, every, timeout }`: checked before each start; null when absent. */
export function readCondition(
  sink: ProblemSink,
  field: Field | undefined,
  baseDir: string,
): ConditionConfig | null {
  if (field === undefined) return null;
  const read = readCheckedSection(sink, field, CONDITION_KEYS);
  if (read === undefined) return null;
  const { section } = read;
  const everyMs = pick(section, "every", (f) => readDuration(sink, f, 1)) ?? DEFAULT_CONDITION_EVERY_MS;
  const timeoutMs = pick(section, "timeout", (f) => readDuration(sink, f, 1)) ?? DEFAULT_CONDITION_TIMEOUT_MS;
  const probe = readProbe(sink, field, section, CONDITION_PROBE_KINDS, baseDir);
  if (probe === null) reportNoProbe(sink, field, read, CONDITION_PROBE_KINDS);
  if (probe === null || probe === undefined) return null;
  return { probe, everyMs, timeoutMs };
}
