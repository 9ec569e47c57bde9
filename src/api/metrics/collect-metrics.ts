/**
 * The text of /metrics (and of `upkeep metrics`): every service's state, restarts, start time,
 * tree CPU and memory and health, then the daemon's own figures. docs/metrics.md lists every
 * family; test/integration/metrics.test.ts checks that list against this output and runs
 * `promtool check metrics` on it.
 * Labels: `service` (the full name, `web@eu` for an instance); the rest of what describes a
 * service (type, instance_of) is on `upkeep_service_info` only, so each series stays small.
 */
import { SERVICE_STATES } from "../../service/states.js";
import type { ServiceRunner } from "../../service/runner.js";
import type { Supervisor } from "../../supervisor/supervisor.js";
import { followerFigures } from "../event-follower.js";
import { Exposition, renderLabels } from "./exposition.js";
import { TreeUsageMeter, type TreeUsage } from "./tree-usage.js";

const meters = new WeakMap<Supervisor, TreeUsageMeter>();

/** The exposition text for the daemon and its services now. */
export async function renderMetrics(supervisor: Supervisor, now = Date.now()): Promise<string> {
  let meter = meters.get(supervisor);
  if (meter === undefined) meters.set(supervisor, (meter = new TreeUsageMeter()));
  const runners = [...supervisor.runners.values()];
  const usage = await meter.read(runners, now);
  const out = new Exposition();
  writeServices(out, supervisor, runners, usage);
  writeDaemon(out, supervisor);
  return out.render();
}

function writeServices(
  out: Exposition,
  supervisor: Supervisor,
  runners: readonly ServiceRunner[],
  usage: Map<string, TreeUsage>,
): void {
  // `{service="NAME"}` escaped once per service, not once per sample.
  const labelled = new Map(runners.map((r) => [r, renderLabels({ service: r.name })]));
  const each = (
    name: string,
    type: "counter" | "gauge",
    help: string,
    value: (r: ServiceRunner) => number | null,
  ): void => {
    out.family(name, type, help);
    for (const r of runners) {
      const v = value(r);
      if (v !== null) out.sampleLabelled(labelled.get(r)!, v);
    }
  };
  out.family(
    "upkeep_service_info",
    "gauge",
    "A service of the config (always 1), with its type and, for an instance, the service it is an instance of.",
  );
  for (const r of runners) {
    out.sample({ service: r.name, type: r.config.type, instance_of: r.config.instanceOf ?? "" }, 1);
  }
  each(
    "upkeep_service_up",
    "gauge",
    "1 while the service is running (ready, for services with a readiness check), else 0.",
    (r) => (r.state === "running" ? 1 : 0),
  );
  out.family("upkeep_service_state", "gauge", "1 for the service's current state, 0 for the seven others.");
  for (const r of runners) {
    const service = labelled.get(r)!.slice(0, -1); // without its `}`; the state words need no escaping
    for (const state of SERVICE_STATES)
      out.sampleLabelled(`${service},state="${state}"}`, r.state === state ? 1 : 0);
  }
  each(
    "upkeep_service_desired_up",
    "gauge",
    "1 when the operator wants the service up, 0 when it was stopped on purpose.",
    (r) => (r.context.desired === "up" ? 1 : 0),
  );
  each(
    "upkeep_service_restarts_total",
    "counter",
    "Restarts of the service by its restart policy (kept across daemon restarts).",
    (r) => r.context.restarts,
  );
  each(
    "upkeep_service_start_time_seconds",
    "gauge",
    "Start of the service's current process, in seconds since the Unix epoch; absent while none runs.",
    (r) => (r.context.pid !== null && r.context.startedAt !== null ? r.context.startedAt / 1000 : null),
  );
  each(
    "upkeep_service_cpu_seconds_total",
    "counter",
    "CPU time (user + system) of the service's whole tree: its cgroup's cpu.stat, else followed in /proc.",
    (r) => usage.get(r.name)?.cpuSeconds ?? null,
  );
  each(
    "upkeep_service_memory_bytes",
    "gauge",
    "Memory of the service's whole tree now: its cgroup's memory.current, else the sum of its processes' RSS.",
    (r) => usage.get(r.name)?.memoryBytes ?? null,
  );
  const probes = runners.map((r) => ({ r, probe: supervisor.healthWatch.probeOf(r.name) }));
  const probed = probes.filter((p) => p.probe !== null);
  out.family(
    "upkeep_service_healthy",
    "gauge",
    "1 while the service's health probe passes or has failed fewer times in a row than its threshold; absent without a probe result.",
  );
  for (const { r, probe } of probed)
    out.sampleLabelled(labelled.get(r)!, probe!.failures >= probe!.threshold ? 0 : 1);
  out.family(
    "upkeep_service_health_failures",
    "gauge",
    "Failures in a row of the service's health probe (0 after a pass).",
  );
  for (const { r, probe } of probed) out.sampleLabelled(labelled.get(r)!, probe!.failures);
}

function writeDaemon(out: Exposition, supervisor: Supervisor): void {
  const health = supervisor.store.health();
  const cpu = process.cpuUsage();
  out
    .single("upkeep_up", "gauge", "1: the daemon answered (`upkeep metrics` writes 0 when it does not).", 1)
    .single(
      "upkeep_daemon_start_time_seconds",
      "gauge",
      "Start of the daemon, in seconds since the Unix epoch.",
      supervisor.startedAt / 1000,
    )
    .single(
      "upkeep_daemon_cpu_seconds_total",
      "counter",
      "CPU time (user + system) of the daemon itself.",
      (cpu.user + cpu.system) / 1e6,
    )
    .single(
      "upkeep_daemon_resident_memory_bytes",
      "gauge",
      "Resident memory of the daemon itself.",
      process.memoryUsage.rss(),
    )
    .single(
      "upkeep_services",
      "gauge",
      "Services in the config, instances counted one by one.",
      supervisor.runners.size,
    );
  out.family("upkeep_events_total", "counter", "Events recorded since the daemon started, by kind.");
  for (const [kind, count] of [...supervisor.bus.publishedByKind].sort(([a], [b]) => a.localeCompare(b)))
    out.sample({ kind }, count);
  out
    .single(
      "upkeep_event_followers",
      "gauge",
      "Event streams open now (`upkeep events -f`, dashboards).",
      followerFigures.open,
    )
    .single(
      "upkeep_event_followers_dropped_total",
      "counter",
      "Event streams cut off because their reader left events unread too long.",
      followerFigures.dropped,
    )
    .single(
      "upkeep_store_ok",
      "gauge",
      "1 while the state store takes writes, 0 during an outage (a full disk).",
      health.ok ? 1 : 0,
    )
    .single(
      "upkeep_store_pending_writes",
      "gauge",
      "Events and records waiting in memory to be written to the store.",
      health.pendingWrites,
    )
    .single(
      "upkeep_store_lost_events",
      "gauge",
      "Events dropped during the current store outage because too many waited (0 while the store is ok).",
      health.lostEvents,
    );
}
