/**
 * `listen`: the TCP ports the service's process tree must hold in LISTEN, as a list of port
 * numbers (`[8080, 8443]`). Before each start upkeep checks that nobody else holds them
 * (SPEC §6, src/service/port-preflight.ts).
 */
import { isSeq } from "yaml";
import { isSubstituted, portValue } from "./instances.js";
import { describeNode, type Field, type ProblemSink } from "./problem-sink.js";
import { wrongType } from "./read-scalars.js";

const LISTEN_EXPECTED = "a list of TCP port numbers from 1 to 65535, like [8080, 8443]";

/** The ports of a `listen` field, in order and without repeats, or undefined after a problem. */
export function readListen(sink: ProblemSink, field: Field): number[] | undefined {
  const node = field.value;
  if (!isSeq(node)) return wrongType(sink, field, LISTEN_EXPECTED);
  const ports: number[] = [];
  let ok = true;
  node.items.forEach((raw, index) => {
    const item = sink.resolve(raw);
    // A quoted template ("900{instance}") is a port once its instance is substituted.
    const value = portValue(item);
    if (typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 65535) {
      if (!ports.includes(value)) ports.push(value);
      return;
    }
    const where = sink.whereNode(item, field.where);
    // A substituted template is a string by nature: what is wrong is its value, not its type.
    const badValue = typeof value === "number" || isSubstituted(item);
    const message = badValue ? "not a port number" : "wrong type";
    sink.problem(
      badValue ? "CONFIG_BAD_VALUE" : "CONFIG_WRONG_TYPE",
      where,
      `${field.path}[${index}]`,
      message,
      "a TCP port number from 1 to 65535",
      describeNode(item),
    );
    ok = false;
  });
  return ok ? ports : undefined;
}
