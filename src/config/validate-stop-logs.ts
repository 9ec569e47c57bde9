/**
 * The stop and logs sections of a service. `stop` is `{ signal, timeout, command }`, or a
 * command list alone (the stop command of a forking or external service).
 */
import { isScalar, isSeq } from "yaml";
import type { LogsConfig, StopConfig } from "./model.js";
import type { Field, ProblemSink } from "./problem-sink.js";
import { readSection } from "./read-map.js";
import { readBoolean, readNumber } from "./read-scalars.js";
import { readDuration, readSignal, readSize } from "./read-typed.js";
import { DEFAULT_LOGS, DEFAULT_STOP, LOGS_KEYS, STOP_KEYS } from "./schema.js";
import { readCommand } from "./validate-command.js";
import { pick } from "./validate-policies.js";

export interface StopResult {
  stop: StopConfig;
  /** The stop command (forking and external services), with the field it came from. */
  command?: { argv: string[]; field: Field };
}

/** `stop: { signal, timeout, command }`, or a command list alone. */
export function readStop(sink: ProblemSink, field: Field | undefined): StopResult {
  if (field === undefined) return { stop: { ...DEFAULT_STOP } };
  if (isSeq(field.value) || (isScalar(field.value) && typeof field.value.value === "string")) {
    const argv = readCommand(sink, field);
    return { stop: { ...DEFAULT_STOP }, ...(argv ? { command: { argv, field } } : {}) };
  }
  const what = "a map { signal, timeout, command }, or a stop command list";
  const section = readSection(sink, field, STOP_KEYS, what);
  if (section === undefined) return { stop: { ...DEFAULT_STOP } };
  const commandField = section.get("command");
  const argv = commandField === undefined ? undefined : readCommand(sink, commandField);
  return {
    stop: {
      signal: pick(section, "signal", (f) => readSignal(sink, f)) ?? DEFAULT_STOP.signal,
      timeoutMs: pick(section, "timeout", (f) => readDuration(sink, f)) ?? DEFAULT_STOP.timeoutMs,
    },
    ...(argv && commandField ? { command: { argv, field: commandField } } : {}),
  };
}

/** Rotated files kept per stream at most (`logs.keep`). */
export const MAX_LOG_GENERATIONS = 1000;

/** `logs: { max_size, keep, timestamps }`. */
export function readLogs(sink: ProblemSink, field: Field | undefined): LogsConfig {
  if (field === undefined) return { ...DEFAULT_LOGS };
  const section = readSection(sink, field, LOGS_KEYS);
  if (section === undefined) return { ...DEFAULT_LOGS };
  return {
    // Below 1 KiB a file would rotate on nearly every line.
    maxSizeBytes: pick(section, "max_size", (f) => readSize(sink, f, 1024)) ?? DEFAULT_LOGS.maxSizeBytes,
    // Each rotation renames every generation from `keep` down: a bound keeps that a few renames.
    keep:
      pick(section, "keep", (f) =>
        readNumber(sink, f, { min: 0, max: MAX_LOG_GENERATIONS, integer: true }),
      ) ?? DEFAULT_LOGS.keep,
    timestamps: pick(section, "timestamps", (f) => readBoolean(sink, f)) ?? DEFAULT_LOGS.timestamps,
  };
}
