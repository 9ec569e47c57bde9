/**
 * What a service's process tree must contain and how an external one is found: `children` and
 * `match`.
 */
import { isSeq } from "yaml";
import type { ChildSpec, MatchConfig } from "./model.js";
import type { Field, ProblemSink } from "./problem-sink.js";
import { readSection, seqItem } from "./read-map.js";
import { readNumber, readString, wrongType } from "./read-scalars.js";
import { readRegex } from "./read-typed.js";
import { CHILD_KEYS, MATCH_KEYS } from "./schema.js";
import { readListen } from "./validate-listen.js";
import { pick } from "./validate-policies.js";

const CHILDREN_EXPECTED = "a list of { name, count, listen } maps, like [{ name: web_worker, count: 2 }]";
const MATCH_EXPECTED = "a map with comm (a process name) or cmdline (a regular expression)";
const CMDLINE_EXPECTED = "a regular expression, like '^/usr/sbin/apache2 '";

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
  const cmdline = cmdlineField === undefined ? undefined : readRegex(sink, cmdlineField, CMDLINE_EXPECTED);
  if (comm === undefined && cmdline === undefined) {
    if (commField === undefined && cmdlineField === undefined)
      sink.problem("CONFIG_MISSING_KEY", field.where, field.path, "match names nothing", MATCH_EXPECTED);
    return undefined;
  }
  return { comm: comm ?? null, cmdline: cmdline ?? null };
}
