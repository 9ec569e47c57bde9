/**
 * `after`, `requires` and `on_required_failure`: names of other services, each a declared
 * service, an instanced service's declared name (all of its instances) or one `name@inst`.
 * The model holds final service names (instances expanded), without repeats, in written order;
 * every name in `requires` is also in `after`.
 */
import { isScalar, isSeq } from "yaml";
import { REQUIRED_FAILURE_POLICIES, type RequiredFailurePolicy } from "./model.js";
import type { Field, ProblemSink, Where } from "./problem-sink.js";
import { seqItem } from "./read-map.js";
import { readEnum, readString, wrongType } from "./read-scalars.js";
import { closestKey } from "./suggest.js";

/** The service names a config declares, known before any service is read. */
export interface KnownNames {
  /** Declared name -> its final names (itself, or its instances); null when its instances are unreadable. */
  declared: Map<string, string[] | null>;
  /** Every final name. */
  finals: Set<string>;
}

/** One `after` entry (written, or added by `requires`), with where it was written. */
export interface DependencyEdge {
  from: string;
  to: string;
  where: Where;
  path: string;
}

export interface Dependencies {
  after: string[];
  requires: string[];
  onRequiredFailure: RequiredFailurePolicy;
  edges: DependencyEdge[];
}

const NAMES_EXPECTED = "a list of service names, like [db, cache]";

/** The final names one written name stands for; [] after a problem (or when they are unknowable). */
function resolveName(sink: ProblemSink, item: Field, self: string, names: KnownNames): string[] {
  // A service may be named by digits alone ("1:"): written bare in the list, it is a number.
  const node = item.value;
  const text =
    isScalar(node) && typeof node.value === "number" && node.source !== undefined
      ? node.source
      : readString(sink, item, "a service name");
  if (text === undefined) return [];
  const declared = names.declared.get(text);
  if (declared === null) return []; // its instances have a problem of their own
  const finals = declared ?? (names.finals.has(text) ? [text] : undefined);
  if (finals === undefined) {
    const at = text.indexOf("@");
    if (at > 0 && names.declared.get(text.slice(0, at)) === null) return [];
    const known = [...new Set([...names.declared.keys(), ...names.finals])];
    const suggestion = closestKey(text, known);
    const hint = suggestion === undefined ? "" : `; did you mean '${suggestion}'?`;
    const expected = `the name of a service in this file: ${known.join(", ")}`;
    sink.problem(
      "CONFIG_BAD_VALUE",
      item.where,
      item.path,
      `unknown service '${text}'${hint}`,
      expected,
      JSON.stringify(text),
    );
    return [];
  }
  if (finals.includes(self)) {
    const what = text === self ? "is this service itself" : "includes this service";
    const message = `a service cannot wait for itself: '${text}' ${what}`;
    sink.problem(
      "CONFIG_BAD_VALUE",
      item.where,
      item.path,
      message,
      "the names of other services",
      JSON.stringify(text),
    );
    return finals.filter((name) => name !== self);
  }
  return finals;
}

/** A list of names, each resolved, with the item it came from. */
function readNames(
  sink: ProblemSink,
  field: Field | undefined,
  self: string,
  names: KnownNames,
): { name: string; item: Field }[] {
  if (field === undefined) return [];
  if (!isSeq(field.value)) return wrongType(sink, field, NAMES_EXPECTED) ?? [];
  return field.value.items.flatMap((raw, index) => {
    const item = seqItem(sink, field, raw, index);
    return resolveName(sink, item, self, names).map((name) => ({ name, item }));
  });
}

/** Reads the dependency keys of the service named `self`. */
export function readDependencies(
  sink: ProblemSink,
  section: Map<string, Field>,
  self: string,
  names: KnownNames,
): Dependencies {
  const deps: Dependencies = { after: [], requires: [], onRequiredFailure: "keep", edges: [] };
  const add = (list: string[], { name, item }: { name: string; item: Field }): void => {
    if (list.includes(name)) return;
    list.push(name);
    if (list === deps.after) deps.edges.push({ from: self, to: name, where: item.where, path: item.path });
  };
  const afterNames = readNames(sink, section.get("after"), self, names);
  const requiredNames = readNames(sink, section.get("requires"), self, names);
  for (const entry of afterNames) add(deps.after, entry);
  for (const entry of requiredNames) {
    add(deps.requires, entry);
    add(deps.after, entry);
  }
  const policyField = section.get("on_required_failure");
  if (policyField !== undefined) {
    deps.onRequiredFailure = readEnum(sink, policyField, REQUIRED_FAILURE_POLICIES) ?? "keep";
    const requires = section.get("requires");
    if (requires === undefined || (isSeq(requires.value) && requires.value.items.length === 0)) {
      sink.note(policyField.keyWhere, policyField.path, "on_required_failure has no effect without requires");
    }
  }
  return deps;
}
