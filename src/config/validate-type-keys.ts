/**
 * The keys that only some service types take, and the ones a type needs: a forking daemon's
 * `pidfile`; an external service's `start` command and its `pidfile` or `match`; the stop
 * command and `start_timeout` of both.
 */
import type { MatchConfig, ServiceType } from "./model.js";
import type { Field, ProblemSink } from "./problem-sink.js";
import { readDuration, readPath } from "./read-typed.js";
import { DEFAULT_START_TIMEOUT_MS } from "./schema.js";
import { readCommand } from "./validate-command.js";
import { readMatch } from "./validate-tree.js";

export interface TypeKeys {
  pidfile: string | null;
  match: MatchConfig | null;
  startCommand: string[] | null;
  stopCommand: string[] | null;
  startTimeoutMs: number;
}

/** Which types each key is for. */
const KEY_TYPES: Record<string, readonly ServiceType[]> = {
  pidfile: ["forking", "external"],
  match: ["external"],
  start: ["external"],
  start_timeout: ["forking", "external"],
  "stop as a command": ["forking", "external"],
};

function refuseForType(sink: ProblemSink, field: Field, key: string, type: ServiceType): void {
  const types = KEY_TYPES[key] ?? [];
  sink.problem(
    "CONFIG_BAD_VALUE",
    field.keyWhere,
    field.path,
    `${key} is not used by type '${type}'`,
    `type: ${types.join(" or ")} with ${key}, or remove ${key}`,
  );
}

/** Reads the type-specific keys and reports the ones a type lacks or cannot use. */
export function readTypeKeys(
  sink: ProblemSink,
  entry: Field,
  section: Map<string, Field>,
  type: ServiceType,
  baseDir: string,
  stopCommand: { argv: string[]; field: Field } | undefined,
): TypeKeys {
  const allowed = (key: string, field: Field | undefined): field is Field => {
    if (field === undefined) return false;
    if (KEY_TYPES[key]?.includes(type)) return true;
    refuseForType(sink, field, key, type);
    return false;
  };
  const pidfileField = section.get("pidfile");
  const matchField = section.get("match");
  const startField = section.get("start");
  const timeoutField = section.get("start_timeout");
  const keys: TypeKeys = {
    pidfile: allowed("pidfile", pidfileField) ? (readPath(sink, pidfileField, baseDir) ?? null) : null,
    match: allowed("match", matchField) ? (readMatch(sink, matchField) ?? null) : null,
    startCommand: allowed("start", startField) ? (readCommand(sink, startField) ?? null) : null,
    stopCommand: stopCommand && allowed("stop as a command", stopCommand.field) ? stopCommand.argv : null,
    startTimeoutMs: allowed("start_timeout", timeoutField)
      ? (readDuration(sink, timeoutField, 1) ?? DEFAULT_START_TIMEOUT_MS)
      : DEFAULT_START_TIMEOUT_MS,
  };

  const missing = (key: string, message: string, expected: string): void =>
    sink.problem("CONFIG_MISSING_KEY", entry.keyWhere, `${entry.path}.${key}`, message, expected);
  if (type === "forking" && pidfileField === undefined) {
    missing(
      "pidfile",
      `forking service '${entry.key}' has no pidfile: upkeep cannot know its main process`,
      "pidfile: the path where the daemon writes its PID, like /run/nginx.pid",
    );
  }
  if (type === "external") {
    if (pidfileField === undefined && matchField === undefined) {
      missing(
        "pidfile",
        `external service '${entry.key}' has neither pidfile nor match: upkeep cannot find it`,
        "pidfile: /run/NAME.pid, or match: { comm: NAME } / { cmdline: '<regex>' }",
      );
    }
    if (startField === undefined) {
      missing(
        "start",
        `external service '${entry.key}' has no start command`,
        "start: [/usr/sbin/apachectl, start]",
      );
    }
    const commandField = section.get("command");
    if (commandField !== undefined) {
      sink.problem(
        "CONFIG_BAD_VALUE",
        commandField.keyWhere,
        commandField.path,
        "an external service is not spawned by upkeep, so command is not used",
        "start: the command that starts it (and stop: the one that stops it)",
      );
    }
  }
  return keys;
}
