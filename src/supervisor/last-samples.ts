/**
 * The last sample of each service's tree, for its next incident ("the process tree and resource
 * figures from the last sample before the death"). No timer of its own: the watches that already
 * read the tree hand over what they read (tree-watch.ts for `children`/`listen`, limits-watch.ts
 * for `limits`, and a `status` or `ps` request), so a service that declares none of these has a
 * sample only when an operator looked at it. Kept per service: a few hundred bytes each.
 */
import { CLOCK_TICKS, PAGE_SIZE, type ProcStat } from "../identity/proc-stat.js";
import { MAX_SAMPLE_PROCESSES, type IncidentProcess, type IncidentSample } from "../store/incident-record.js";

interface Kept {
  /** The main PID of the run it belongs to: a sample of an earlier run is never shown. */
  mainPid: number;
  sample: IncidentSample;
  /** CPU ticks per PID (and start time) at the sample, for the next one's CPU %. */
  ticks: Map<number, { startTime: number; ticks: number }>;
}

export interface SampleFigures {
  /** Ports in LISTEN per PID, when the sampler read them. */
  ports?: ReadonlyMap<number, readonly number[]>;
  /** The tree's CPU % as the sampler measured it (the cgroup's), when it did. */
  cpuPercent?: number | null;
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
    const before = previous?.mainPid === mainPid ? previous : null;
    const seconds = before === null ? 0 : (at - before.sample.at) / 1000;
    const live = members.filter((m) => m.state !== "Z" || m.pid === mainPid);
    // The main process first, then by PID: what the CLI prints as the tree's head.
    const ordered = [...live].sort(
      (a, b) => Number(b.pid === mainPid) - Number(a.pid === mainPid) || a.pid - b.pid,
    );
    const ticks = new Map<number, { startTime: number; ticks: number }>();
    const processes: IncidentProcess[] = ordered.slice(0, MAX_SAMPLE_PROCESSES).map((m) => {
      const total = m.utimeTicks + m.stimeTicks;
      ticks.set(m.pid, { startTime: m.startTime, ticks: total });
      const was = before?.ticks.get(m.pid);
      const cpuPercent =
        was !== undefined && was.startTime === m.startTime && seconds > 0
          ? Math.round(((total - was.ticks) / CLOCK_TICKS / seconds) * 1000) / 10
          : null;
      return {
        pid: m.pid,
        ppid: m.ppid,
        comm: m.comm,
        state: m.state,
        rssBytes: m.rssPages * PAGE_SIZE,
        cpuPercent,
        ports: [...(figures.ports?.get(m.pid) ?? [])],
      };
    });
    const known = processes.filter((p) => p.cpuPercent !== null);
    const summed =
      known.length === 0 ? null : Math.round(known.reduce((s, p) => s + p.cpuPercent!, 0) * 10) / 10;
    this.kept.set(service, {
      mainPid,
      ticks,
      sample: {
        at,
        source,
        processes,
        omitted: Math.max(0, ordered.length - MAX_SAMPLE_PROCESSES),
        rssBytes: live.reduce((sum, m) => sum + m.rssPages * PAGE_SIZE, 0),
        cpuPercent: figures.cpuPercent ?? summed,
      },
    });
  }

  /** The last sample of the run whose main process was `mainPid`, or null. */
  lastOf(service: string, mainPid: number | null): IncidentSample | null {
    const kept = this.kept.get(service);
    return kept !== undefined && kept.mainPid === mainPid ? kept.sample : null;
  }

  /** The service left the config. */
  forget(service: string): void {
    this.kept.delete(service);
  }
}
