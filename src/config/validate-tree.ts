/**
 * What a service's process tree must contain and how an external one is found: `children`,
 * `match` and `health.restart_on` (the probe keys of `health` come with a later capability and
 * are kept verbatim).
 */
import { isSeq } from "yaml";
import { RESTART_ON_KINDS, type ChildSpec, type MatchConfig, type RestartOnKind } from "./model.js";
import type { Field, ProblemSink } from "./problem-sink.js";
import { readSection } from "./read-map.js";
import { readEnum, readNumber, readString, wrongType } from "./read-scalars.js";
import { CHILD_KEYS, HEALTH_KEYS, MATCH_KEYS, NOT_YET_ACTED_ON } from "./schema.js";
import { readListen } from "./validate-listen.js";
import { pick } from "./validate-policies.js";

const CHILDREN_EXPECTED = "a list of { name, count, listen } maps, like [{ name: web_worker, count: 2 }]";
const MATCH_EXPECTED = "a map with comm (a process name) or cmdline (a regular expression)";

/** One item of a YAML list as a field of its own, so the section readers can name `key[i]`. */
function seqItem(sink: ProblemSink, list: Field, raw: unknown, index: number): Field {
  const value = sink.resolve(raw);
  return {
    key: String(index),
    path: `${list.path}[${index}]`,
    keyWhere: list.where,
    value,
    where: sink.whereNode(value, list.where),
  };
}

/** `children: [{ name, count, listen }]`; undefined after a problem. */
export function readChildren(sink: ProblemSink, field: Field): ChildSpec[] | undefined {
  const node = field.value;
  if (!isSeq(node)) return wrongType(sink, field, CHILDREN_EXPECTED);
  const children: ChildSpec[] = [];
  let ok = true;
  node.items.forEach((raw, index) => {
    const item = seqItem(sink, field, raw, index);
    const section = readSection(sink, item, CHILD_KEYS);
    if (section === undefined) return void (ok = false);
    const nameField = section.get("name");
    if (nameField === undefined) {
      sink.problem(
        "CONFIG_MISSING_KEY",
        item.where,
        `${item.path}.name`,
        "a child has no name",
        CHILDREN_EXPECTED,
      );
      return void (ok = false);
    }
    const name = readString(sink, nameField, "a process name, like web_worker");
    const count = pick(section, "count", (f) => readNumber(sink, f, { min: 1, integer: true })) ?? 1;
    const listenField = section.get("listen");
    const listen = listenField === undefined ? [] : readListen(sink, listenField);
    if (name === undefined || listen === undefined) return void (ok = false);
    children.push({ name, count, listen });
  });
  return ok ? children : undefined;
}

/** `match: { comm }` or `{ cmdline: "<regex>" }`; undefined after a problem. */
export function readMatch(sink: ProblemSink, field: Field): MatchConfig | undefined {
  const section = readSection(sink, field, MATCH_KEYS, MATCH_EXPECTED);
  if (section === undefined) return undefined;
  const comm = pick(section, "comm", (f) => readString(sink, f, "a process name (at most 15 characters)"));
  const commField = section.get("comm");
  if (comm !== undefined && comm.length > 15 && commField !== undefined) {
    const message = "the kernel keeps at most 15 characters of a process name, so this never matches";
    sink.problem("CONFIG_BAD_VALUE", commField.where, commField.path, message, "at most 15 characters", comm);
    return undefined;
  }
  const cmdlineField = section.get("cmdline");
  const cmdline = cmdlineField === undefined ? undefined : readRegex(sink, cmdlineField);
  if (comm === undefined && cmdline === undefined) {
    if (commField === undefined && cmdlineField === undefined)
      sink.problem("CONFIG_MISSING_KEY", field.where, field.path, "match names nothing", MATCH_EXPECTED);
    return undefined;
  }
  return { comm: comm ?? null, cmdline: cmdline ?? null };
}

function readRegex(sink: ProblemSink, field: Field): string | undefined {
  const expected = "a regular expression, like '^/usr/sbin/apache2 '";
  const text = readString(sink, field, expected);
  if (text === undefined) return undefined;
  try {
    new RegExp(text);
    return text;
  } catch (err) {
    const message = `not a valid regular expression: ${(err as Error).message}`;
    sink.problem("CONFIG_BAD_VALUE", field.where, field.path, message, expected, JSON.stringify(text));
    return undefined;
  }
}

export interface HealthResult {
  restartOn: RestartOnKind[];
  /** The probe keys, kept verbatim for a later capability. */
  pending?: Record<string, unknown>;
}

/** `health`: restart_on now; the other keys kept verbatim, each with a note. */
export function readHealth(sink: ProblemSink, field: Field | undefined): HealthResult {
  if (field === undefined) return { restartOn: [] };
  const section = readSection(sink, field, HEALTH_KEYS);
  if (section === undefined) return { restartOn: [] };
  const restartOn: RestartOnKind[] = [];
  const restartField = section.get("restart_on");
  if (restartField !== undefined) {
    const expected = `a list of: ${RESTART_ON_KINDS.join(", ")}`;
    if (!isSeq(restartField.value)) wrongType(sink, restartField, expected);
    else
      restartField.value.items.forEach((raw, index) => {
        const kind = readEnum(sink, seqItem(sink, restartField, raw, index), RESTART_ON_KINDS);
        if (kind !== undefined && !restartOn.includes(kind)) restartOn.push(kind);
      });
  }
  const pending: Record<string, unknown> = {};
  for (const [key, f] of section) {
    if (key === "restart_on") continue;
    pending[key] = sink.toData(f.value);
    sink.note(f.keyWhere, f.path, NOT_YET_ACTED_ON);
  }
  return Object.keys(pending).length > 0 ? { restartOn, pending } : { restartOn };
}
