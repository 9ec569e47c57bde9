/**
 * Readers for scalar config values: each returns the value, or undefined after recording a
 * problem that says what was found and what would be valid. None substitutes a default.
 */
import { isScalar } from "yaml";
import { describeNode, type Field, type ProblemSink } from "./problem-sink.js";

/** The scalar's own value when the field holds a non-null scalar, else undefined. */
function scalarValue(field: Field): unknown {
  return isScalar(field.value) ? field.value.value : undefined;
}

/** True when the key has no value or an explicit null (`key:`, `key: null`, `key: ~`). */
export function isNullValue(field: Field): boolean {
  return field.value === null || (isScalar(field.value) && field.value.value === null);
}

/** Records a CONFIG_WRONG_TYPE problem at the field, naming what was expected; returns undefined. */
export function wrongType(sink: ProblemSink, field: Field, expected: string): undefined {
  sink.problem(
    "CONFIG_WRONG_TYPE",
    field.where,
    field.path,
    "wrong type",
    expected,
    describeNode(field.value),
  );
  return undefined;
}

/** A string value; numbers and booleans are refused (quote them to mean text). */
export function readString(sink: ProblemSink, field: Field, expected = "a string"): string | undefined {
  const value = scalarValue(field);
  if (typeof value !== "string") return wrongType(sink, field, expected);
  if (value === "") {
    sink.problem("CONFIG_BAD_VALUE", field.where, field.path, "must not be empty", expected, '""');
    return undefined;
  }
  return value;
}

/**
 * A scalar written as text: strings as they are, numbers and booleans as written in the file
 * (so `PORT: 8080` is "8080" and `0x10` stays "0x10"). For env values, users and groups.
 */
export function readText(sink: ProblemSink, field: Field, expected: string): string | undefined {
  const node = field.value;
  if (!isScalar(node) || node.value === null) return wrongType(sink, field, expected);
  if (typeof node.value === "string") return node.value;
  if (typeof node.value === "number" || typeof node.value === "boolean" || typeof node.value === "bigint") {
    return node.source ?? String(node.value);
  }
  return wrongType(sink, field, expected);
}

/** A number in [min, max]; `integer` refuses fractions. */
export function readNumber(
  sink: ProblemSink,
  field: Field,
  range: { min: number; max?: number; integer?: boolean },
): number | undefined {
  const kind = range.integer === true ? "an integer" : "a number";
  const bounds = range.max === undefined ? `>= ${range.min}` : `from ${range.min} to ${range.max}`;
  const expected = `${kind} ${bounds}`;
  const value = scalarValue(field);
  if (typeof value !== "number" || Number.isNaN(value)) return wrongType(sink, field, expected);
  const whole = range.integer !== true || Number.isInteger(value);
  if (!whole || value < range.min || (range.max !== undefined && value > range.max)) {
    sink.problem(
      "CONFIG_BAD_VALUE",
      field.where,
      field.path,
      "out of range",
      expected,
      describeNode(field.value),
    );
    return undefined;
  }
  return value;
}

/** true or false. */
export function readBoolean(sink: ProblemSink, field: Field): boolean | undefined {
  const value = scalarValue(field);
  if (typeof value !== "boolean") return wrongType(sink, field, "true or false");
  return value;
}

/** One of a closed set of words. */
export function readEnum<T extends string>(
  sink: ProblemSink,
  field: Field,
  choices: readonly T[],
): T | undefined {
  const expected = `one of: ${choices.join(", ")}`;
  const value = scalarValue(field);
  if (typeof value !== "string") return wrongType(sink, field, expected);
  const found = choices.find((choice) => choice === value);
  if (found === undefined) {
    sink.problem(
      "CONFIG_BAD_VALUE",
      field.where,
      field.path,
      "unknown value",
      expected,
      describeNode(field.value),
    );
  }
  return found;
}
