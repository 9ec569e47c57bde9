/**
 * `command`: an argv list (`[node, server.js]`; numbers are taken as written), or a string
 * split like a shell would split it but never run by one (see command.ts).
 */
import { isScalar, isSeq } from "yaml";
import { describeNode, type Field, type ProblemSink } from "./problem-sink.js";
import { splitCommand } from "./command.js";

const COMMAND_EXPECTED = "an argv list like [node, server.js], or a string without shell syntax";

/** The argv of a `command` field, or undefined after a problem. */
export function readCommand(sink: ProblemSink, field: Field): string[] | undefined {
  const node = field.value;
  if (isScalar(node) && typeof node.value === "string") {
    const split = splitCommand(node.value);
    if (split.ok) return split.argv;
    sink.problem(
      "CONFIG_BAD_VALUE",
      field.where,
      field.path,
      split.reason,
      COMMAND_EXPECTED,
      describeNode(node),
    );
    return undefined;
  }
  if (!isSeq(node)) {
    const message = "wrong type";
    sink.problem("CONFIG_WRONG_TYPE", field.where, field.path, message, COMMAND_EXPECTED, describeNode(node));
    return undefined;
  }
  if (node.items.length === 0) {
    sink.problem("CONFIG_BAD_VALUE", field.where, field.path, "command is empty", COMMAND_EXPECTED, "[]");
    return undefined;
  }
  const argv: string[] = [];
  let ok = true;
  node.items.forEach((raw, index) => {
    const item = sink.resolve(raw);
    const path = `${field.path}[${index}]`;
    const where = sink.whereNode(item, field.where);
    const scalar = isScalar(item) ? item.value : undefined;
    if (typeof scalar === "string" && (scalar !== "" || index > 0)) {
      argv.push(scalar);
    } else if (typeof scalar === "number" || typeof scalar === "bigint") {
      argv.push(isScalar(item) && item.source !== undefined ? item.source : String(scalar));
    } else if (scalar === "") {
      sink.problem(
        "CONFIG_BAD_VALUE",
        where,
        path,
        "the program name is empty",
        "a program name or path",
        '""',
      );
      ok = false;
    } else {
      const message = 'wrong type: each argument must be a string; quote words like "true" or "null"';
      sink.problem("CONFIG_WRONG_TYPE", where, path, message, "a string", describeNode(item));
      ok = false;
    }
  });
  return ok ? argv : undefined;
}
