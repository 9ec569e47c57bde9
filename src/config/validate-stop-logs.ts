/**
 * The stop and logs sections of a service. `stop` is either `{ signal, timeout }` or, for
 * external services, a command list that is kept verbatim for a later version.
 */
import { isSeq } from "yaml";
import type { LogsConfig, StopConfig } from "./model.js";
import type { Field, ProblemSink } from "./problem-sink.js";
import { readSection } from "./read-map.js";
import { readBoolean, readNumber } from "./read-scalars.js";
import { readDuration, readSignal, readSize } from "./read-typed.js";
import { DEFAULT_LOGS, DEFAULT_STOP, LOGS_KEYS, NOT_YET_ACTED_ON, STOP_KEYS } from "./schema.js";
import { pick } from "./validate-policies.js";

export interface StopResult {
  stop: StopConfig;
  /** The external form (a command list), kept verbatim in ServiceConfig.pending. */
  command?: unknown;
}

/** `stop: { signal, timeout }`, or a command list (the external form, not yet acted on). */
export function readStop(sink: ProblemSink, field: Field | undefined): StopResult {
  if (field === undefined) return { stop: { ...DEFAULT_STOP } };
  if (isSeq(field.value)) {
    sink.note(field.where, field.path, `the command form of stop is ${NOT_YET_ACTED_ON}`);
    return { stop: { ...DEFAULT_STOP }, command: field.value.toJSON() };
  }
  const what = "a map { signal, timeout }, or a command list for external services";
  const section = readSection(sink, field, STOP_KEYS, what);
  if (section === undefined) return { stop: { ...DEFAULT_STOP } };
  return {
    stop: {
      signal: pick(section, "signal", (f) => readSignal(sink, f)) ?? DEFAULT_STOP.signal,
      timeoutMs: pick(section, "timeout", (f) => readDuration(sink, f)) ?? DEFAULT_STOP.timeoutMs,
    },
  };
}

/** `logs: { max_size, keep, timestamps }`. */
export function readLogs(sink: ProblemSink, field: Field | undefined): LogsConfig {
  if (field === undefined) return { ...DEFAULT_LOGS };
  const section = readSection(sink, field, LOGS_KEYS);
  if (section === undefined) return { ...DEFAULT_LOGS };
  return {
    // Below 1 KiB a file would rotate on nearly every line.
    maxSizeBytes: pick(section, "max_size", (f) => readSize(sink, f, 1024)) ?? DEFAULT_LOGS.maxSizeBytes,
    keep: pick(section, "keep", (f) => readNumber(sink, f, { min: 0, integer: true })) ?? DEFAULT_LOGS.keep,
    timestamps: pick(section, "timestamps", (f) => readBoolean(sink, f)) ?? DEFAULT_LOGS.timestamps,
  };
}
