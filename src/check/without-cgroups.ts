/**
 * Services running without a cgroup: upkeep then finds a tree by process group, session,
 * parents and the run-id marker, and a process that double-forks, calls setsid and clears its
 * environment escapes all four. The check says so, once, with what it takes to get cgroups.
 */
import type { CheckProblem, ServiceCheck } from "./report.js";
import type { ServiceView } from "./run-check.js";

/** One WARNING naming the running services (not external ones: upkeep did not start those) without a cgroup. */
export function findServicesWithoutCgroups(
  views: readonly ServiceView[],
  checks: readonly ServiceCheck[],
): CheckProblem[] {
  const running = new Set(checks.filter((c) => c.pid !== null).map((c) => c.name));
  const names = views
    .filter((v) => v.config.type !== "external" && v.record !== null && v.record.cgroup === null)
    .map((v) => v.config.name)
    .filter((name) => running.has(name));
  if (names.length === 0) return [];
  const shown =
    names.length > 5 ? `${names.slice(0, 5).join(", ")} and ${names.length - 5} more` : names.join(", ");
  return [
    {
      service: null,
      severity: "WARNING",
      expected: "every service in a cgroup of its own",
      found:
        `${names.length} service${names.length > 1 ? "s" : ""} run${names.length > 1 ? "" : "s"} without cgroups (${shown}): ` +
        "upkeep cannot follow a process that double-forks, calls setsid and clears its environment, " +
        "so such a leftover is neither stopped with its service nor found by `upkeep ps`",
      remedy:
        "run the daemon as root on a host with cgroup v2 mounted read-write (grep cgroup2 /proc/self/mounts), then restart the services: upkeep restart --all",
    },
  ];
}
