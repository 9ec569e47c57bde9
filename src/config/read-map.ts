/**
 * Reading YAML maps as config sections: a wrong type, an unknown key (with the closest valid
 * key suggested) and a bad map key are problems; every key is visited, so one pass finds all.
 */
import { isMap, isScalar, type Node, type Pair, type Scalar } from "yaml";
import { describeNode, scalarText, type Field, type ProblemSink, type Where } from "./problem-sink.js";
import { closestKey } from "./suggest.js";

/** Join a key path: `services` + `web` -> `services.web`. */
export function joinPath(parent: string, key: string): string {
  return parent === "" ? key : `${parent}.${key}`;
}

function isNameKey(keyNode: Node | null): keyNode is Scalar {
  return isScalar(keyNode) && keyNode.value !== null && typeof keyNode.value !== "object";
}

function fieldOf(sink: ProblemSink, pair: Pair, parentPath: string, parentWhere: Where): Field | undefined {
  const keyNode = sink.resolve(pair.key);
  const keyWhere = sink.whereNode(keyNode, parentWhere);
  if (!isNameKey(keyNode)) {
    sink.problem(
      "CONFIG_WRONG_TYPE",
      keyWhere,
      parentPath,
      "a map key must be a plain name",
      "a name such as 'command'",
      describeNode(keyNode),
    );
    return undefined;
  }
  const key = scalarText(keyNode.value);
  const value = sink.resolve(pair.value);
  return { key, path: joinPath(parentPath, key), keyWhere, value, where: sink.whereNode(value, keyWhere) };
}

/**
 * The entries of a map with free-form keys (services, env), in order; undefined (and a
 * problem) when the node is not a map. An empty value (`env:`) counts as an empty map.
 */
export function readEntries(sink: ProblemSink, field: Field, what: string): Field[] | undefined {
  const node: Node | null = field.value;
  if (node === null || (isScalar(node) && node.value === null)) return [];
  if (!isMap(node)) {
    sink.problem("CONFIG_WRONG_TYPE", field.where, field.path, "wrong type", what, describeNode(node));
    return undefined;
  }
  const out: Field[] = [];
  for (const pair of node.items) {
    const entry = fieldOf(sink, pair, field.path, field.where);
    if (entry !== undefined) out.push(entry);
  }
  return out;
}

/**
 * One key of a map, found without reporting anything (the section's own reader reports its
 * problems); undefined when the node is not a map or has no such key.
 */
export function findKey(sink: ProblemSink, field: Field, key: string): Field | undefined {
  if (!isMap(field.value)) return undefined;
  for (const pair of field.value.items) {
    const keyNode = sink.resolve(pair.key);
    if (isNameKey(keyNode) && scalarText(keyNode.value) === key)
      return fieldOf(sink, pair, field.path, field.where);
  }
  return undefined;
}

/**
 * The known keys of a config section, by name; unknown keys are problems that list the valid
 * keys and suggest the closest one. Undefined (and a problem) when the node is not a map.
 */
export function readSection(
  sink: ProblemSink,
  field: Field,
  valid: readonly string[],
  what = `a map with keys: ${valid.join(", ")}`,
): Map<string, Field> | undefined {
  const entries = readEntries(sink, field, what);
  if (entries === undefined) return undefined;
  const known = new Map<string, Field>();
  for (const entry of entries) {
    if (valid.includes(entry.key)) {
      known.set(entry.key, entry);
      continue;
    }
    const expected = `one of: ${valid.join(", ")}`;
    if (entry.key === "<<") {
      sink.problem(
        "CONFIG_UNKNOWN_KEY",
        entry.keyWhere,
        entry.path,
        "YAML merge keys (<<) are not supported; repeat the keys, or reuse a whole value with &anchor and *alias",
        expected,
      );
      continue;
    }
    const suggestion = closestKey(entry.key, valid);
    const hint = suggestion === undefined ? "" : `; did you mean '${suggestion}'?`;
    sink.problem(
      "CONFIG_UNKNOWN_KEY",
      entry.keyWhere,
      entry.path,
      `unknown key '${entry.key}'${hint}`,
      expected,
    );
  }
  return known;
}

export interface CheckedSection {
  section: Map<string, Field>;
  /** An unknown key was reported: a key found missing is then most likely that one, so not told again. */
  hadUnknownKey: boolean;
}

/** readSection, telling whether it reported an unknown key. */
export function readCheckedSection(
  sink: ProblemSink,
  field: Field,
  valid: readonly string[],
  what?: string,
): CheckedSection | undefined {
  const before = sink.problems.length;
  const section = readSection(sink, field, valid, what);
  if (section === undefined) return undefined;
  const hadUnknownKey = sink.problems.slice(before).some((p) => p.code === "CONFIG_UNKNOWN_KEY");
  return { section, hadUnknownKey };
}

/** A pseudo-field for the document root, so the top level reads like any other section. */
export function rootField(node: Node | null, where: Where): Field {
  return { key: "config", path: "", keyWhere: where, value: node, where };
}

/** One item of a YAML list as a field of its own, so the section readers can name `key[i]`. */
export function seqItem(sink: ProblemSink, list: Field, raw: unknown, index: number): Field {
  const value = sink.resolve(raw);
  return {
    key: String(index),
    path: `${list.path}[${index}]`,
    keyWhere: list.where,
    value,
    where: sink.whereNode(value, list.where),
  };
}
