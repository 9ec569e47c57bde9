/**
 * The keys of what a start waits for and what is watched (ready, health, after, requires,
 * on_required_failure, condition, limits) that changed between two configs: all applied
 * without a restart, read at the next start or by the watchers from now on.
 */
import type { ProbeSpec, ServiceConfig } from "./model.js";
import { changedOf, sameData } from "./same-data.js";

/** The keys of a probe that changed: its kind key (both, when the kind changed), and http's body. */
function probeKeys(prefix: string, a: ProbeSpec, b: ProbeSpec): string[] {
  if (sameData(a, b)) return [];
  if (a.kind !== b.kind) return [`${prefix}.${a.kind}`, `${prefix}.${b.kind}`];
  if (a.kind === "http" && b.kind === "http")
    return changedOf([
      [`${prefix}.http`, a.url, b.url],
      [`${prefix}.body`, a.body, b.body],
    ]);
  return [`${prefix}.${a.kind}`];
}

/** An optional section: its name when it came or went, else the keys of it that changed. */
function sectionKeys<T>(prefix: string, a: T | null, b: T | null, keys: (x: T, y: T) => string[]): string[] {
  if (a === null || b === null) return a === b ? [] : [prefix];
  return keys(a, b);
}

/**
 * Changed keys of what a start waits for and what is watched: read at the next start (ready,
 * after, requires, condition) or by the watchers from now on (health, limits).
 */
export function checkKeys(a: ServiceConfig, b: ServiceConfig): string[] {
  // `after` also holds the names of `requires`: a change that only requires explains is not
  // told as one of after.
  const ownAfter = (s: ServiceConfig): string[] => s.after.filter((name) => !s.requires.includes(name));
  const afterChanged = !sameData(a.after, b.after) && !sameData(ownAfter(a), ownAfter(b));
  return [
    ...sectionKeys("ready", a.ready, b.ready, (x, y) => [
      ...probeKeys("ready", x.probe, y.probe),
      ...changedOf([
        ["ready.timeout", x.timeoutMs, y.timeoutMs],
        ["ready.interval", x.intervalMs, y.intervalMs],
      ]),
    ]),
    ...sectionKeys("health", a.health, b.health, (x, y) => [
      ...probeKeys("health", x.probe, y.probe),
      ...changedOf([
        ["health.interval", x.intervalMs, y.intervalMs],
        ["health.timeout", x.timeoutMs, y.timeoutMs],
        ["health.failures", x.failures, y.failures],
      ]),
    ]),
    ...changedOf([
      ["after", afterChanged, false],
      ["requires", a.requires, b.requires],
      ["on_required_failure", a.onRequiredFailure, b.onRequiredFailure],
    ]),
    ...sectionKeys("condition", a.condition, b.condition, (x, y) => [
      ...probeKeys("condition", x.probe, y.probe),
      ...changedOf([
        ["condition.every", x.everyMs, y.everyMs],
        ["condition.timeout", x.timeoutMs, y.timeoutMs],
      ]),
    ]),
    ...sectionKeys("limits", a.limits, b.limits, (x, y) =>
      changedOf([
        ["limits.memory", x.memoryBytes, y.memoryBytes],
        ["limits.cpu", x.cpuPercent, y.cpuPercent],
        ["limits.window", x.windowMs, y.windowMs],
      ]),
    ),
  ];
}
