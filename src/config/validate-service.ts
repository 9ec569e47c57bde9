/**
 * One entry of `services` (or one instance of it): every key of its section. Names of other
 * services (`after`, `requires`) are resolved against the names the whole file declares.
 */
import { RESTART_POLICIES, SERVICE_TYPES, type ServiceConfig, type ServiceType } from "./model.js";
import type { Field, ProblemSink } from "./problem-sink.js";
import { readSection } from "./read-map.js";
import { readBoolean, readEnum, readText } from "./read-scalars.js";
import { readPath } from "./read-typed.js";
import { SERVICE_KEYS, SERVICE_NAME_PATTERN } from "./schema.js";
import { readDependencies, type DependencyEdge, type KnownNames } from "./validate-deps.js";
import { readHealth } from "./validate-health.js";
import { checkCombinations } from "./validate-combinations.js";
import { readLimits } from "./validate-limits.js";
import { readListen } from "./validate-listen.js";
import { readCondition, readReady } from "./validate-ready.js";
import { readChildren } from "./validate-tree.js";
import { readTypeKeys } from "./validate-type-keys.js";
import { readCommand } from "./validate-command.js";
import { checkDerivedNames } from "./derived-names.js";
import { noteHostMismatches } from "./host-notes.js";
import { readEnvFileField, readEnvMap } from "./validate-env.js";
import { pick, readBackoff, readStartLimit } from "./validate-policies.js";
import { readLogs, readStop } from "./validate-stop-logs.js";
import { readReloadKeys } from "./validate-reload.js";
import { readNotifyOverride } from "./validate-notify.js";

/** Types that spawn `command` themselves; `external` services are started by their `start` list. */
const TYPES_NEEDING_COMMAND: readonly ServiceType[] = ["simple", "oneshot", "forking", "notify"];

/** What a service is read against: the config's folder, the names it declares, its instance. */
export interface ServiceContext {
  baseDir: string;
  names: KnownNames;
  /** Note an unknown user or group and a command that cannot run here (src/config/host-notes.ts). */
  hostChecks?: boolean;
  /** For one instance of an instanced service: the declared name and the instance. */
  instance?: { of: string; name: string };
}

export interface ServiceRead {
  service: ServiceConfig;
  /** Its `after` entries with their positions, for the cycle check over all services. */
  edges: DependencyEdge[];
}

/** A declared service name is refused when it is not a plain name (or holds '@'). */
export function checkName(sink: ProblemSink, entry: Field): void {
  if (SERVICE_NAME_PATTERN.test(entry.key)) return;
  const expected = "a name of letters, digits, '_', '.' and '-', starting with a letter or digit";
  const message = entry.key.includes("@")
    ? "a service name cannot contain '@': it is kept for instances (web@hostA); use instances: instead"
    : "not a valid service name";
  sink.problem("CONFIG_BAD_VALUE", entry.keyWhere, entry.path, message, expected, JSON.stringify(entry.key));
}

/**
 * Validate one service (the name was checked by the caller; `instances` is read by it too);
 * undefined only when its value is not a map at all.
 */
export function readService(
  sink: ProblemSink,
  entry: Field,
  context: ServiceContext,
): ServiceRead | undefined {
  const section = readSection(sink, entry, SERVICE_KEYS);
  if (section === undefined) return undefined;
  const { baseDir, instance } = context;
  const name = instance === undefined ? entry.key : `${instance.of}@${instance.name}`;

  const type = pick(section, "type", (f) => readEnum(sink, f, SERVICE_TYPES)) ?? "simple";
  const commandField = section.get("command");
  if (commandField === undefined && TYPES_NEEDING_COMMAND.includes(type)) {
    sink.problem(
      "CONFIG_MISSING_KEY",
      entry.keyWhere,
      `${entry.path}.command`,
      `service '${entry.key}' has no command`,
      "command: an argv list like [node, server.js], or a string",
    );
  }
  const cwdField = section.get("cwd");
  const cwd = cwdField === undefined ? baseDir : readPath(sink, cwdField, baseDir);
  const envFile = pick(section, "env_file", (f) => readEnvFileField(sink, f, baseDir));
  const env = pick(section, "env", (f) => readEnvMap(sink, f));
  const stop = readStop(sink, section.get("stop"));
  const idExpected = "a name or a numeric id";
  const typeKeys = readTypeKeys(sink, entry, section, type, baseDir, stop.command);
  const health = readHealth(sink, section.get("health"), baseDir);
  const deps = readDependencies(sink, section, name, context.names);

  const service: ServiceConfig = {
    name,
    type,
    command: (commandField === undefined ? undefined : readCommand(sink, commandField)) ?? [],
    cwd: cwd ?? baseDir,
    env: { ...envFile?.env, ...env },
    envFile: envFile?.path ?? null,
    envInherit: pick(section, "env_inherit", (f) => readBoolean(sink, f)) ?? true,
    user: pick(section, "user", (f) => readText(sink, f, idExpected)) ?? null,
    group: pick(section, "group", (f) => readText(sink, f, idExpected)) ?? null,
    restart: pick(section, "restart", (f) => readEnum(sink, f, RESTART_POLICIES)) ?? "always",
    backoff: readBackoff(sink, section.get("backoff")),
    startLimit: readStartLimit(sink, section.get("start_limit")),
    stop: stop.stop,
    ...readReloadKeys(sink, section),
    logs: readLogs(sink, section.get("logs")),
    listen: pick(section, "listen", (f) => readListen(sink, f)) ?? [],
    ...typeKeys,
    children: pick(section, "children", (f) => readChildren(sink, f)) ?? [],
    restartOn: health.restartOn,
    ready: readReady(sink, section.get("ready"), type, baseDir),
    health: health.health,
    after: deps.after,
    requires: deps.requires,
    onRequiredFailure: deps.onRequiredFailure,
    condition: readCondition(sink, section.get("condition"), baseDir),
    limits: readLimits(sink, section.get("limits")),
    instanceOf: instance?.of ?? null,
    instance: instance?.name ?? null,
    pending: {},
    notify: pick(section, "notify", (f) => readNotifyOverride(sink, f, baseDir)) ?? null,
    source: { file: sink.file, line: entry.keyWhere.line, column: entry.keyWhere.column },
  };
  checkCombinations(sink, section, service);
  checkDerivedNames(sink, entry, name, service.logs.keep);
  noteHostMismatches(sink, section, service, context.hostChecks === true);
  return { service, edges: deps.edges };
}
