/**
 * The last sample of each service's tree, for its next incident ("the process tree and resource
 * figures from the last sample before the death"). No timer of its own: the watches that already
 * read the tree hand over what they read (tree-watch.ts for `children`/`listen`, limits-watch.ts
 * for `limits`, and a `status` or `ps` request), so a service that declares none of these has a
 * sample only when an operator looked at it. note() keeps references to what the watch read
 * (no copy, no arithmetic: `status` of 1000 services calls it 1000 times); the sample is built
 * only when an incident asks for it.
 */
import { CLOCK_TICKS, PAGE_SIZE, type ProcStat } from "../identity/proc-stat.js";
import { MAX_SAMPLE_PROCESSES, type IncidentProcess, type IncidentSample } from "../store/incident-record.js";

export interface SampleFigures {
  /** Ports in LISTEN per PID, when the sampler read them. */
  ports?: ReadonlyMap<number, readonly number[]>;
  /** The tree's CPU % as the sampler measured it (the cgroup's), when it did. */
  cpuPercent?: number | null;
}

interface Reading {
  at: number;
  source: IncidentSample["source"];
  members: readonly ProcStat[];
  figures: SampleFigures;
}

interface Kept {
  /** The main PID of the run it belongs to: a sample of an earlier run is never shown. */
  mainPid: number;
  last: Reading;
  /** The reading before, of the same run: per-process CPU % is over the time between them. */
  before: Reading | null;
}

export class LastSamples {
  private readonly kept = new Map<string, Kept>();

  /** Records what a watch read of `service`'s tree (the run of `mainPid`) at `at`. */
  note(
    service: string,
    mainPid: number,
    source: IncidentSample["source"],
    members: readonly ProcStat[],
    figures: SampleFigures = {},
    at: number = Date.now(),
  ): void {
    const previous = this.kept.get(service);
    const before = previous?.mainPid === mainPid ? previous.last : null;
    this.kept.set(service, { mainPid, last: { at, source, members, figures }, before });
  }

  /** The last sample of the run whose main process was `mainPid`, or null. */
  lastOf(service: string, mainPid: number | null): IncidentSample | null {
    const kept = this.kept.get(service);
    if (kept === undefined || kept.mainPid !== mainPid) return null;
    return buildSample(kept.mainPid, kept.last, kept.before);
  }

  /** The service left the config. */
  forget(service: string): void {
    this.kept.delete(service);
  }
}

function buildSample(mainPid: number, last: Reading, before: Reading | null): IncidentSample {
  const seconds = before === null ? 0 : (last.at - before.at) / 1000;
  const earlier = new Map((before?.members ?? []).map((m) => [m.pid, m]));
  const live = last.members.filter((m) => m.state !== "Z" || m.pid === mainPid);
  // The main process first, then by PID: what the CLI prints as the tree's head.
  const ordered = [...live].sort(
    (a, b) => Number(b.pid === mainPid) - Number(a.pid === mainPid) || a.pid - b.pid,
  );
  const processes: IncidentProcess[] = ordered.slice(0, MAX_SAMPLE_PROCESSES).map((m) => {
    const was = earlier.get(m.pid);
    const cpuPercent =
      was !== undefined && was.startTime === m.startTime && seconds > 0
        ? Math.round(
            ((m.utimeTicks + m.stimeTicks - was.utimeTicks - was.stimeTicks) / CLOCK_TICKS / seconds) * 1000,
          ) / 10
        : null;
    return {
      pid: m.pid,
      ppid: m.ppid,
      comm: m.comm,
      state: m.state,
      rssBytes: m.rssPages * PAGE_SIZE,
      cpuPercent,
      ports: [...(last.figures.ports?.get(m.pid) ?? [])],
    };
  });
  const known = processes.filter((p) => p.cpuPercent !== null);
  const summed =
    known.length === 0 ? null : Math.round(known.reduce((s, p) => s + (p.cpuPercent ?? 0), 0) * 10) / 10;
  return {
    at: last.at,
    source: last.source,
    processes,
    omitted: Math.max(0, ordered.length - MAX_SAMPLE_PROCESSES),
    rssBytes: live.reduce((sum, m) => sum + m.rssPages * PAGE_SIZE, 0),
    cpuPercent: last.figures.cpuPercent ?? summed,
  };
}
