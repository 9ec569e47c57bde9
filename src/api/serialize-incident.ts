/**
 * Incidents on the wire: the one place their records become snake_case JSON with ISO times
 * (the CLI reads the same JSON from the store directly when the daemon is down).
 */
import type {
  HostProcess,
  HostSnapshot,
  IncidentRecord,
  IncidentSample,
  IncidentSummary,
} from "../store/incident-record.js";
import type {
  HostProcessJson,
  HostSnapshotJson,
  IncidentJson,
  IncidentSampleJson,
  IncidentSummaryJson,
} from "./wire.js";

const iso = (ms: number): string => new Date(ms).toISOString();

export function serializeIncidentSummary(incident: IncidentSummary): IncidentSummaryJson {
  const { id, ts, service, kind, summary } = incident;
  return { id, ts: iso(ts), service, kind, summary };
}

export function serializeIncident(incident: IncidentRecord): IncidentJson {
  return {
    ...serializeIncidentSummary(incident),
    pid: incident.pid,
    exit_code: incident.exitCode,
    signal: incident.signal,
    duration_ms: incident.durationMs,
    reason: incident.reason,
    output: incident.output.map((l) => ({ ts: iso(l.ts), stream: l.stream, text: l.text })),
    output_note: incident.outputNote,
    sample: incident.sample === null ? null : serializeSample(incident.sample),
    sample_note: incident.sampleNote,
    host: incident.host === null ? null : serializeHost(incident.host),
    suppressed: incident.suppressed,
    details: incident.details,
  };
}

function serializeSample(sample: IncidentSample): IncidentSampleJson {
  return {
    at: iso(sample.at),
    source: sample.source,
    processes: sample.processes.map((p) => ({
      pid: p.pid,
      ppid: p.ppid,
      comm: p.comm,
      state: p.state,
      rss_bytes: p.rssBytes,
      cpu_percent: p.cpuPercent,
      ports: p.ports,
    })),
    omitted: sample.omitted,
    rss_bytes: sample.rssBytes,
    cpu_percent: sample.cpuPercent,
  };
}

function serializeHostProcess(p: HostProcess): HostProcessJson {
  return { pid: p.pid, user: p.user, comm: p.comm, cpu_percent: p.cpuPercent, rss_bytes: p.rssBytes };
}

function serializeHost(host: HostSnapshot): HostSnapshotJson {
  const { memory: m, vmstat: v } = host;
  return {
    at: iso(host.at),
    interval_ms: host.intervalMs,
    load: host.load,
    memory: {
      total_bytes: m.totalBytes,
      available_bytes: m.availableBytes,
      free_bytes: m.freeBytes,
      buffers_bytes: m.buffersBytes,
      cached_bytes: m.cachedBytes,
      swap_total_bytes: m.swapTotalBytes,
      swap_free_bytes: m.swapFreeBytes,
    },
    vmstat: {
      running: v.running,
      blocked: v.blocked,
      context_switches_per_sec: v.contextSwitchesPerSec,
      interrupts_per_sec: v.interruptsPerSec,
      swap_in_pages_per_sec: v.swapInPagesPerSec,
      swap_out_pages_per_sec: v.swapOutPagesPerSec,
      page_faults_per_sec: v.pageFaultsPerSec,
      major_faults_per_sec: v.majorFaultsPerSec,
      cpu: { ...v.cpu },
    },
    top_cpu: host.topCpu.map(serializeHostProcess),
    top_memory: host.topMemory.map(serializeHostProcess),
    processes_scanned: host.processesScanned,
    scan_capped: host.scanCapped,
    users: host.users.map((u) => ({ user: u.user, line: u.line, host: u.host, since: iso(u.since) })),
    notes: host.notes,
    took_ms: host.tookMs,
  };
}
