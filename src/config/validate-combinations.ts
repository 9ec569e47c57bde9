/**
 * Keys that are valid each on its own but do not work together in one service: told here,
 * once the whole service is read, at the key that would have to change.
 */
import { isMap, isScalar, isSeq } from "yaml";
import type { ServiceConfig } from "./model.js";
import type { Field, ProblemSink } from "./problem-sink.js";
import { findKey } from "./read-map.js";
import { isSubstituted } from "./instances.js";
import { INSTANCE_PLACEHOLDER } from "./schema.js";

export function checkCombinations(
  sink: ProblemSink,
  section: ReadonlyMap<string, Field>,
  service: ServiceConfig,
): void {
  checkRestartOn(sink, section, section.get("health"), service);
  const health = section.get("health");
  if (service.type === "oneshot" && service.health !== null && health !== undefined) {
    const message = "a oneshot runs to completion: it is not probed while it runs";
    sink.problem("CONFIG_BAD_VALUE", health.keyWhere, health.path, message, "no health probe on a oneshot");
  }
  const ready = section.get("ready");
  if (service.type === "external" && service.ready?.probe.kind === "notify" && ready !== undefined) {
    const text =
      "an external service found already running is adopted without $NOTIFY_SOCKET: only a start by its `start` command can send READY=1";
    sink.note(ready.keyWhere, ready.path, text);
  }
  const listen = section.get("listen");
  if (service.instance !== null && listen !== undefined) {
    const fixed = fixedItems(sink, listen);
    if (fixed.length > 0)
      sink.note(
        listen.where,
        listen.path,
        `every instance would hold port ${fixed.join(", ")}: only one can; write a template such as "900{instance}"`,
      );
  }
  checkEnvKeys(sink, section.get("env"));
}

/** `restart_on: [ports]` / `[children]` names what the service must declare. */
function checkRestartOn(
  sink: ProblemSink,
  section: ReadonlyMap<string, Field>,
  health: Field | undefined,
  service: ServiceConfig,
): void {
  if (health === undefined) return;
  const field = findKey(sink, health, "restart_on");
  if (field === undefined) return;
  // Told only when nothing is declared at all: a listen or children with a problem of its own
  // already has its message.
  const ports = section.has("listen") || section.has("children");
  if (service.restartOn.includes("ports") && !ports)
    sink.problem(
      "CONFIG_BAD_VALUE",
      field.where,
      field.path,
      "restart_on names ports, but the service declares no listen ports (nor its children)",
      "listen: [PORT] in this service, or remove ports",
    );
  if (service.restartOn.includes("children") && !section.has("children"))
    sink.problem(
      "CONFIG_BAD_VALUE",
      field.where,
      field.path,
      "restart_on names children, but the service declares no children",
      "children: [{ name: … }] in this service, or remove children",
    );
}

/** Ports written as numbers in an instance's listen (not made by a template). */
function fixedItems(sink: ProblemSink, listen: Field): number[] {
  if (!isSeq(listen.value)) return [];
  const out: number[] = [];
  for (const raw of listen.value.items) {
    const item = sink.resolve(raw);
    if (isScalar(item) && typeof item.value === "number" && !isSubstituted(item)) out.push(item.value);
  }
  return out;
}

/** `{instance}` is replaced in values only: in an env variable's name it would stay as written. */
function checkEnvKeys(sink: ProblemSink, env: Field | undefined): void {
  if (env === undefined || !isMap(env.value)) return;
  for (const pair of env.value.items) {
    const key = sink.resolve(pair.key);
    if (!isScalar(key) || typeof key.value !== "string" || !key.value.includes(INSTANCE_PLACEHOLDER))
      continue;
    sink.problem(
      "CONFIG_BAD_VALUE",
      sink.whereNode(key, env.where),
      `${env.path}.${key.value}`,
      "{instance} is not replaced in variable names, only in values",
      "a fixed name, with {instance} in its value",
      JSON.stringify(key.value),
    );
  }
}
