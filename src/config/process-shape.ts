/**
 * The process-shaping keys of a service: what its process was started with (command, type,
 * cwd, env, env_file, env_inherit, user, group). A change to one of them needs a restart to take effect;
 * `reload-config` restarts for them (diff.ts), and so does a daemon that adopts a process
 * started with values the config no longer has (a config changed while no daemon ran, or a
 * daemon killed in the middle of a reload: src/supervisor/adopt.ts).
 *
 * A process record keeps a *shape*: for each of these keys a short digest of its value, never
 * the value (env may hold secrets, and the record is read by `check` and listed in events).
 * Comparing two shapes names the keys that changed, as a reload's plan does.
 */
import { createHash } from "node:crypto";
import type { ServiceConfig } from "./model.js";

/** Key path (snake_case, as the plan names it) → digest of the value it was started with. */
export type ProcessShape = Record<string, string>;

/** The process-shaping keys and their values, in the order a plan lists them. */
export function processShapingValues(config: ServiceConfig): [string, unknown][] {
  const values: [string, unknown][] = [
    ["type", config.type],
    ["command", config.command],
    ["cwd", config.cwd],
    ["env_file", config.envFile],
    ["env_inherit", config.envInherit],
  ];
  for (const name of Object.keys(config.env).sort()) values.push([`env.${name}`, config.env[name]]);
  values.push(["user", config.user], ["group", config.group]);
  return values;
}

/** 16 hex digits of sha256 over the value's JSON: enough to tell a change, not to read the value. */
function digestValue(value: unknown): string {
  const json = JSON.stringify(value ?? null);
  let digest = digests.get(json);
  if (digest === undefined) {
    digest = createHash("sha256").update(json).digest("hex").slice(0, 16);
    if (digests.size >= DIGESTS_KEPT) digests.clear();
    digests.set(json, digest);
  }
  return digest;
}

/**
 * Digests by JSON text. The services of a config share most values (type, cwd, user, group,
 * env_inherit): a cold start of 200 services hashed a thousand values, most of them alike.
 */
const digests = new Map<string, string>();
const DIGESTS_KEPT = 4096;

/** Shapes of configs already seen: a loaded config is never changed (a reload makes new ones). */
const shapes = new WeakMap<ServiceConfig, ProcessShape>();

/** The shape a process started now from `config` has. */
export function processShapeOf(config: ServiceConfig): ProcessShape {
  const known = shapes.get(config);
  if (known !== undefined) return { ...known };
  const shape: ProcessShape = {};
  for (const [key, value] of processShapingValues(config)) shape[key] = digestValue(value);
  shapes.set(config, shape);
  return { ...shape };
}

/** Key paths in the order a plan lists them: type, command, cwd, env_file, env_inherit, env.* by name, user, group. */
function inPlanOrder(keys: Iterable<string>): string[] {
  const all = new Set(keys);
  const env = [...all].filter((key) => key.startsWith("env.")).sort();
  const fixed = ["type", "command", "cwd", "env_file", "env_inherit", ...env, "user", "group"];
  return [...fixed.filter((key) => all.has(key)), ...[...all].filter((key) => !fixed.includes(key)).sort()];
}

/** The keys whose entries differ between two key → value maps (an entry on one side only counts). */
function changedEntries<T>(a: Map<string, T>, b: Map<string, T>, same: (x: T, y: T) => boolean): string[] {
  return inPlanOrder([...a.keys(), ...b.keys()]).filter((key) => {
    const x = a.get(key);
    const y = b.get(key);
    return x === undefined || y === undefined ? x !== y : !same(x, y);
  });
}

/**
 * The keys whose value differs between the shape a process was started with and the one the
 * config gives now (env entries added or removed included).
 */
export function changedShapeKeys(recorded: ProcessShape, current: ProcessShape): string[] {
  return changedEntries(
    new Map(Object.entries(recorded)),
    new Map(Object.entries(current)),
    (x, y) => x === y,
  );
}

/** The process-shaping keys that differ between two service configs (diff.ts: restart keys). */
export function changedShapingKeys(
  a: ServiceConfig,
  b: ServiceConfig,
  same: (x: unknown, y: unknown) => boolean,
): string[] {
  // Values wrapped: a key whose value is null must not read as a key that is absent.
  const wrap = (config: ServiceConfig): Map<string, { value: unknown }> =>
    new Map(processShapingValues(config).map(([key, value]) => [key, { value }]));
  return changedEntries(wrap(a), wrap(b), (x, y) => same(x.value, y.value));
}
