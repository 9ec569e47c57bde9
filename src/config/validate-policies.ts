/**
 * The restart policy sections of a service: backoff and start_limit. Absent keys take the
 * defaults of schema.ts; a bad value is a problem, and a config with problems is never used,
 * so the default that stands in for it here is never acted on.
 */
import { formatDuration } from "../core/duration.js";
import type { BackoffConfig, StartLimitConfig } from "./model.js";
import type { Field, ProblemSink } from "./problem-sink.js";
import { readSection } from "./read-map.js";
import { isNullValue, readNumber } from "./read-scalars.js";
import { readDuration } from "./read-typed.js";
import { BACKOFF_KEYS, DEFAULT_BACKOFF, DEFAULT_START_LIMIT, START_LIMIT_KEYS } from "./schema.js";

/** Read `key` of a section with `read` when present; undefined when absent or bad. */
export function pick<T>(
  section: Map<string, Field>,
  key: string,
  read: (field: Field) => T | undefined,
): T | undefined {
  const field = section.get(key);
  return field === undefined ? undefined : read(field);
}

/** `backoff: { initial, max, factor, jitter, reset_after }`, with initial <= max. */
export function readBackoff(sink: ProblemSink, field: Field | undefined): BackoffConfig {
  if (field === undefined) return { ...DEFAULT_BACKOFF };
  const section = readSection(sink, field, BACKOFF_KEYS);
  if (section === undefined) return { ...DEFAULT_BACKOFF };
  const initialMs = pick(section, "initial", (f) => readDuration(sink, f));
  const maxMs = pick(section, "max", (f) => readDuration(sink, f, 1));
  const backoff: BackoffConfig = {
    initialMs: initialMs ?? DEFAULT_BACKOFF.initialMs,
    maxMs: maxMs ?? DEFAULT_BACKOFF.maxMs,
    factor: pick(section, "factor", (f) => readNumber(sink, f, { min: 1 })) ?? DEFAULT_BACKOFF.factor,
    jitter: pick(section, "jitter", (f) => readNumber(sink, f, { min: 0, max: 1 })) ?? DEFAULT_BACKOFF.jitter,
    resetAfterMs: pick(section, "reset_after", (f) => readDuration(sink, f)) ?? DEFAULT_BACKOFF.resetAfterMs,
  };
  const initialField = section.get("initial");
  const maxField = section.get("max");
  // Only compare values that were read (or defaulted because absent), never a failed read.
  const comparable =
    (initialField === undefined || initialMs !== undefined) &&
    (maxField === undefined || maxMs !== undefined);
  if (comparable && backoff.initialMs > backoff.maxMs) {
    const at = initialField ?? maxField ?? field;
    const maxText = `${formatDuration(backoff.maxMs)}${maxField === undefined ? ", the default" : ""}`;
    const initialText = `${formatDuration(backoff.initialMs)}${initialField === undefined ? ", the default" : ""}`;
    sink.problem(
      "CONFIG_BAD_VALUE",
      at.where,
      at.path,
      `backoff.initial (${initialText}) is longer than backoff.max (${maxText})`,
      "initial <= max",
      `initial ${formatDuration(backoff.initialMs)}, max ${formatDuration(backoff.maxMs)}`,
    );
  }
  return backoff;
}

/** `start_limit: { burst, interval, retry_after }`; retry_after absent or null means never. */
export function readStartLimit(sink: ProblemSink, field: Field | undefined): StartLimitConfig {
  if (field === undefined) return { ...DEFAULT_START_LIMIT };
  const section = readSection(sink, field, START_LIMIT_KEYS);
  if (section === undefined) return { ...DEFAULT_START_LIMIT };
  const retry = section.get("retry_after");
  return {
    burst:
      pick(section, "burst", (f) => readNumber(sink, f, { min: 1, integer: true })) ??
      DEFAULT_START_LIMIT.burst,
    intervalMs: pick(section, "interval", (f) => readDuration(sink, f, 1)) ?? DEFAULT_START_LIMIT.intervalMs,
    retryAfterMs: retry === undefined || isNullValue(retry) ? null : (readDuration(sink, retry, 1) ?? null),
  };
}
