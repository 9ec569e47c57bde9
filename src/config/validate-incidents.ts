/**
 * `incidents`: absent or `true` records incidents with the default retention, `false` records
 * none, a map `{ keep, max_age }` sets how many are kept and for how long (docs/incidents.md).
 */
import { isMap, isScalar } from "yaml";
import type { IncidentsConfig } from "./model.js";
import { describeNode, type Field, type ProblemSink } from "./problem-sink.js";
import { readSection } from "./read-map.js";
import { isNullValue, readNumber } from "./read-scalars.js";
import { readDuration } from "./read-typed.js";
import {
  DEFAULT_INCIDENTS_KEEP,
  DEFAULT_INCIDENTS_MAX_AGE_MS,
  INCIDENTS_KEYS,
  MAX_INCIDENTS_KEEP,
  MIN_INCIDENTS_MAX_AGE_MS,
} from "./schema.js";

const DEFAULTS: Readonly<IncidentsConfig> = {
  enabled: true,
  keep: DEFAULT_INCIDENTS_KEEP,
  maxAgeMs: DEFAULT_INCIDENTS_MAX_AGE_MS,
};

/** The incidents section; the defaults when absent. */
export function readIncidents(sink: ProblemSink, field: Field | undefined): IncidentsConfig {
  if (field === undefined || isNullValue(field)) return { ...DEFAULTS };
  const node = field.value;
  if (isScalar(node) && typeof node.value === "boolean") return { ...DEFAULTS, enabled: node.value };
  if (!isMap(node)) {
    const expected = "false, or a map { keep: 500, max_age: 30d }";
    sink.problem("CONFIG_WRONG_TYPE", field.where, field.path, "wrong type", expected, describeNode(node));
    return { ...DEFAULTS };
  }
  const section = readSection(sink, field, INCIDENTS_KEYS);
  const keepField = section?.get("keep");
  const ageField = section?.get("max_age");
  const keep = keepField && readNumber(sink, keepField, { min: 1, max: MAX_INCIDENTS_KEEP, integer: true });
  const maxAgeMs = ageField && readDuration(sink, ageField, MIN_INCIDENTS_MAX_AGE_MS);
  return { enabled: true, keep: keep ?? DEFAULTS.keep, maxAgeMs: maxAgeMs ?? DEFAULTS.maxAgeMs };
}
