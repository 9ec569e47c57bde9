/**
 * Readers for values with a unit or a meaning beyond their YAML type: durations, sizes,
 * signal names and paths. Each returns the parsed value, or undefined after a problem.
 */
import { isScalar } from "yaml";
import { checkDuration, DURATION_EXPECTED, formatDuration } from "../core/duration.js";
import { checkSize, SIZE_EXPECTED } from "../core/size.js";
import { describeNode, type Field, type ProblemSink } from "./problem-sink.js";
import { readString } from "./read-scalars.js";
import { resolveConfigPath } from "./resolve-paths.js";
import { normaliseSignal, SIGNAL_EXPECTED } from "./signals.js";

function badValue(sink: ProblemSink, field: Field, reason: string, expected: string): undefined {
  sink.problem("CONFIG_BAD_VALUE", field.where, field.path, reason, expected, describeNode(field.value));
  return undefined;
}

/** A duration in ms, at least `minMs`. A bare number other than 0 is refused: the unit matters. */
export function readDuration(sink: ProblemSink, field: Field, minMs = 0): number | undefined {
  const node = field.value;
  const expected = minMs > 0 ? `${DURATION_EXPECTED}, at least ${formatDuration(minMs)}` : DURATION_EXPECTED;
  if (isScalar(node) && typeof node.value === "number") {
    if (node.value === 0 && minMs === 0) return 0;
    // A bare 0 where zero is not allowed: adding a unit would not help, so say what would.
    if (node.value === 0)
      return badValue(sink, field, `it must be at least ${formatDuration(minMs)}`, expected);
    return badValue(
      sink,
      field,
      `the unit is missing: write ${node.source ?? String(node.value)}s`,
      expected,
    );
  }
  if (!isScalar(node) || typeof node.value !== "string") {
    sink.problem("CONFIG_WRONG_TYPE", field.where, field.path, "wrong type", expected, describeNode(node));
    return undefined;
  }
  const result = checkDuration(node.value);
  if (!result.ok) return badValue(sink, field, result.reason, expected);
  if (result.ms < minMs)
    return badValue(sink, field, `it is shorter than ${formatDuration(minMs)}`, expected);
  return result.ms;
}

/** A size in bytes, at least `minBytes`; a bare integer is bytes. */
export function readSize(sink: ProblemSink, field: Field, minBytes = 0): number | undefined {
  const node = field.value;
  const expected = minBytes > 0 ? `${SIZE_EXPECTED}, at least ${minBytes}B` : SIZE_EXPECTED;
  let text: string;
  if (isScalar(node) && typeof node.value === "number") text = node.source ?? String(node.value);
  else if (isScalar(node) && typeof node.value === "string") text = node.value;
  else {
    sink.problem("CONFIG_WRONG_TYPE", field.where, field.path, "wrong type", expected, describeNode(node));
    return undefined;
  }
  const result = checkSize(text);
  if (!result.ok) return badValue(sink, field, result.reason, expected);
  if (result.bytes < minBytes) return badValue(sink, field, `it is smaller than ${minBytes}B`, expected);
  return result.bytes;
}

/** A signal name, normalised to SIGxxx; `refuse` lists signals that make no sense for the key. */
export function readSignal(
  sink: ProblemSink,
  field: Field,
  refuse: readonly NodeJS.Signals[] = [],
): NodeJS.Signals | undefined {
  const text = readString(sink, field, SIGNAL_EXPECTED);
  if (text === undefined) return undefined;
  const signal = normaliseSignal(text);
  if (signal === undefined)
    return badValue(sink, field, `'${text}' is not a signal on this system`, SIGNAL_EXPECTED);
  if (refuse.includes(signal)) {
    return badValue(sink, field, `${signal} cannot be used here (it cannot be caught)`, SIGNAL_EXPECTED);
  }
  return signal;
}

/** A path, resolved against the config file's folder. */
export function readPath(sink: ProblemSink, field: Field, baseDir: string): string | undefined {
  const expected = "a path (relative paths are relative to the config file's folder)";
  const text = readString(sink, field, expected);
  if (text === undefined) return undefined;
  const result = resolveConfigPath(baseDir, text);
  return result.ok ? result.path : badValue(sink, field, result.reason, expected);
}

/** A regular expression (JavaScript syntax), checked by compiling it; `expected` gives an example. */
export function readRegex(sink: ProblemSink, field: Field, expected: string): string | undefined {
  const text = readString(sink, field, expected);
  if (text === undefined) return undefined;
  try {
    new RegExp(text);
    return text;
  } catch (err) {
    return badValue(sink, field, `not a valid regular expression: ${(err as Error).message}`, expected);
  }
}
