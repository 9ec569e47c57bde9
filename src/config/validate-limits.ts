/**
 * `limits: { memory, cpu, window }`: the resources a service's whole tree may use; an excess
 * sustained for `window` restarts it with an incident.
 */
import { isScalar } from "yaml";
import type { LimitsConfig } from "./model.js";
import { describeNode, type Field, type ProblemSink } from "./problem-sink.js";
import { readCheckedSection } from "./read-map.js";
import { wrongType } from "./read-scalars.js";
import { readDuration, readSize } from "./read-typed.js";
import { DEFAULT_LIMITS_WINDOW_MS, LIMITS_KEYS } from "./schema.js";
import { pick } from "./validate-policies.js";

const CPU_EXPECTED = 'a percentage of one core above 0, like "90%" or 150 (one and a half cores)';

/** `cpu: "90%"` or a number of percent; above 0, and above 100 for more than one core. */
function readCpu(sink: ProblemSink, field: Field): number | undefined {
  const node = field.value;
  let percent: number;
  if (isScalar(node) && typeof node.value === "number") percent = node.value;
  else if (isScalar(node) && typeof node.value === "string") {
    const match = /^(\d+(?:\.\d+)?)\s*%$/.exec(node.value.trim());
    if (match === null) {
      const message = "not a percentage";
      sink.problem("CONFIG_BAD_VALUE", field.where, field.path, message, CPU_EXPECTED, describeNode(node));
      return undefined;
    }
    percent = Number(match[1]);
  } else return wrongType(sink, field, CPU_EXPECTED);
  if (!Number.isFinite(percent) || percent <= 0) {
    sink.problem(
      "CONFIG_BAD_VALUE",
      field.where,
      field.path,
      "out of range",
      CPU_EXPECTED,
      describeNode(node),
    );
    return undefined;
  }
  return percent;
}

/** The limits section; null when absent. At least one of memory and cpu. */
export function readLimits(sink: ProblemSink, field: Field | undefined): LimitsConfig | null {
  if (field === undefined) return null;
  const read = readCheckedSection(sink, field, LIMITS_KEYS);
  if (read === undefined) return null;
  const { section } = read;
  const memoryBytes = pick(section, "memory", (f) => readSize(sink, f, 1));
  const cpuPercent = pick(section, "cpu", (f) => readCpu(sink, f));
  const windowMs = pick(section, "window", (f) => readDuration(sink, f, 1)) ?? DEFAULT_LIMITS_WINDOW_MS;
  if (!section.has("memory") && !section.has("cpu")) {
    if (read.hadUnknownKey) return null; // most likely a misspelt memory or cpu, already told
    const message = "limits names neither memory nor cpu";
    sink.problem("CONFIG_MISSING_KEY", field.where, field.path, message, 'memory: 500MB and/or cpu: "90%"');
    return null;
  }
  return { memoryBytes: memoryBytes ?? null, cpuPercent: cpuPercent ?? null, windowMs };
}
