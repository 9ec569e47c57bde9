/**
 * `instances: [hostA, hostB]` (or a number N for 1..N): the service is replaced by one service
 * per instance, `web@hostA`, each read from a copy of its section in which every string value
 * has `{instance}` replaced. The copies keep the nodes' source ranges, so problems still point
 * into the file.
 */
import { isAlias, isMap, isScalar, isSeq, Pair, type Node, type Scalar } from "yaml";
import { describeNode, scalarText, type Field, type ProblemSink, type Where } from "./problem-sink.js";
import { joinPath, seqItem } from "./read-map.js";
import { readNumber, wrongType } from "./read-scalars.js";
import { INSTANCE_PLACEHOLDER, SERVICE_NAME_PATTERN } from "./schema.js";

/**
 * Each instance is a whole service (a runner, a FIFO, a log), and `instances: 1000000000`
 * made a list of a billion names before anything else was checked: the load ran out of memory.
 * 1000 is the number of services docs/benchmarks.md measures a daemon with.
 */
export const MAX_INSTANCES = 1000;
const INSTANCES_EXPECTED = `a list of instance names like [hostA, hostB], or a number N for instances 1 to N (at most ${MAX_INSTANCES})`;
const NAME_EXPECTED =
  "an instance name of letters, digits, '_', '.' and '-', starting with a letter or digit";

/** A list item as an instance name: strings as they are, numbers as written (`01` stays "01"). */
function instanceText(node: Node | null): string | undefined {
  if (!isScalar(node)) return undefined;
  if (typeof node.value === "string") return node.value;
  if (typeof node.value === "number") return node.source ?? String(node.value);
  return undefined;
}

/** The instance names of an `instances` field, or undefined after a problem. */
export function readInstances(sink: ProblemSink, field: Field): string[] | undefined {
  const node = field.value;
  if (isScalar(node) && typeof node.value === "number") {
    const count = readNumber(sink, field, { min: 1, max: MAX_INSTANCES, integer: true });
    return count === undefined ? undefined : Array.from({ length: count }, (_, i) => String(i + 1));
  }
  if (!isSeq(node)) return wrongType(sink, field, INSTANCES_EXPECTED);
  if (node.items.length === 0) {
    sink.problem("CONFIG_BAD_VALUE", field.where, field.path, "instances is empty", INSTANCES_EXPECTED, "[]");
    return undefined;
  }
  if (node.items.length > MAX_INSTANCES) {
    const got = `a list of ${node.items.length}`;
    sink.problem("CONFIG_BAD_VALUE", field.where, field.path, "too many instances", INSTANCES_EXPECTED, got);
    return undefined;
  }
  const names: string[] = [];
  let ok = true;
  node.items.forEach((raw, index) => {
    const item = seqItem(sink, field, raw, index);
    const text = instanceText(item.value);
    if (text === undefined) {
      wrongType(sink, item, NAME_EXPECTED);
      return void (ok = false);
    }
    const problem = !SERVICE_NAME_PATTERN.test(text)
      ? "not a valid instance name"
      : names.includes(text)
        ? `instance '${text}' is listed twice`
        : undefined;
    if (problem === undefined) return void names.push(text);
    sink.problem("CONFIG_BAD_VALUE", item.where, item.path, problem, NAME_EXPECTED, describeNode(item.value));
    ok = false;
  });
  return ok ? names : undefined;
}

/** Strings made by substitution: a port written "900{instance}" is read as the number it became. */
const SUBSTITUTED = new WeakSet<Node>();

/** The number a port value stands for: a number, or a substituted string of digits. */
/** True for a string made by `{instance}` substitution. */
export function isSubstituted(node: Node | null): boolean {
  return isScalar(node) && SUBSTITUTED.has(node);
}

export function portValue(node: Node | null): unknown {
  if (!isScalar(node)) return undefined;
  const value = node.value;
  if (typeof value === "string" && SUBSTITUTED.has(node) && /^\d+$/.test(value)) return Number(value);
  return value;
}

/**
 * A copy of `node` with `{instance}` replaced in every string value (map keys are kept as they
 * are). Aliases are followed and copied too, so a shared anchor gets each instance's value.
 */
export function instantiate(sink: ProblemSink, node: Node | null, instance: string): Node | null {
  const inProgress = new Set<Node>();
  const copy = (raw: unknown): unknown => {
    const target = isAlias(raw) ? sink.resolve(raw) : raw;
    if (target === null || !(isMap(target) || isSeq(target) || isScalar(target))) return raw;
    if (inProgress.has(target)) return raw; // an alias to its own ancestor: left as it is
    if (isScalar(target)) {
      const clone = target.clone() as Scalar;
      if (typeof clone.value === "string" && clone.value.includes(INSTANCE_PLACEHOLDER)) {
        clone.value = clone.value.replaceAll(INSTANCE_PLACEHOLDER, instance);
        SUBSTITUTED.add(clone);
      }
      return clone;
    }
    inProgress.add(target);
    const clone = target.clone();
    if (isMap(target) && isMap(clone))
      clone.items = target.items.map((pair) => new Pair(pair.key, copy(pair.value)));
    else if (isSeq(target) && isSeq(clone)) clone.items = target.items.map(copy);
    inProgress.delete(target);
    return clone;
  };
  return sink.resolve(copy(node));
}

/** Where `{instance}` is written in the string values under `node` (aliases followed). */
export function findPlaceholders(
  sink: ProblemSink,
  field: Field,
): { where: Where; path: string; text: string }[] {
  const found: { where: Where; path: string; text: string }[] = [];
  const seen = new Set<Node>();
  const told = new Set<Node>();
  const walk = (raw: unknown, path: string, fallback: Where): void => {
    const node = sink.resolve(raw);
    if (node === null || seen.has(node)) return;
    const where = sink.whereNode(node, fallback);
    if (isScalar(node)) {
      // A scalar under an anchor used twice is told once.
      if (typeof node.value === "string" && node.value.includes(INSTANCE_PLACEHOLDER) && !told.has(node))
        found.push({ where, path, text: node.value });
      told.add(node);
      return;
    }
    seen.add(node);
    if (isMap(node))
      for (const pair of node.items) {
        const key = sink.resolve(pair.key);
        walk(pair.value, joinPath(path, isScalar(key) ? scalarText(key.value) : "?"), where);
      }
    else if (isSeq(node)) node.items.forEach((item, index) => walk(item, `${path}[${index}]`, where));
    seen.delete(node);
  };
  walk(field.value, field.path, field.where);
  return found;
}
