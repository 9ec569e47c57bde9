/**
 * CPU time of a service's whole tree as a counter that never goes down while the daemon runs,
 * whatever its processes do: die, restart, fork short-lived children.
 *
 * With a cgroup the kernel keeps the figure (cpu.stat usage_usec counts every process that ever
 * ran in it). Without one, a sum over the live processes would drop whenever one exits, so each
 * process is followed by PID and start time and only its growth is added: its own time plus the
 * time of the children it reaped (cutime, cstime). A process that vanishes was reaped either by
 * a member of the tree, whose cutime grows by the dead one's whole time, of which the part
 * already counted is then subtracted (the "credit"), or by something outside the tree (upkeep
 * reaps the main process, init reaps orphans), whose time up to the last look stays counted.
 * What a process used after the last look before it died is not seen: the figure is a lower
 * bound, as close as the scrapes are frequent (docs/metrics.md).
 */
import type { ProcStat } from "../../identity/proc-stat.js";

interface Followed {
  ticks: number;
  ppid: number;
  /** Ticks of reaped members already counted, to take off this process's next growth. */
  credit: number;
}

const keyOf = (s: ProcStat): string => `${s.pid}:${s.startTime}`;
const ticksOf = (s: ProcStat): number => s.utimeTicks + s.stimeTicks + s.cutimeTicks + s.cstimeTicks;

/** The /proc side of one service: the processes seen at the last look. */
export class ProcTreeCpu {
  private followed = new Map<string, Followed>();

  /** Clock ticks the tree used since the last call; `members` are its processes now (zombies too). */
  advance(members: readonly ProcStat[]): number {
    const now = new Map(members.map((s) => [keyOf(s), s]));
    const keyByPid = new Map(members.map((s) => [s.pid, keyOf(s)]));
    // A vanished process whose parent is a member we followed: the parent's cutime takes its time.
    for (const [key, gone] of this.followed) {
      if (now.has(key)) continue;
      const parentKey = keyByPid.get(gone.ppid);
      const parent = parentKey === undefined ? undefined : this.followed.get(parentKey);
      if (parent !== undefined && now.has(parentKey!)) parent.credit += gone.ticks;
    }
    let delta = 0;
    const next = new Map<string, Followed>();
    for (const [key, stat] of now) {
      const ticks = ticksOf(stat);
      const before = this.followed.get(key);
      if (before === undefined) {
        delta += ticks; // never counted: all of its time is new
        next.set(key, { ticks, ppid: stat.ppid, credit: 0 });
        continue;
      }
      const growth = Math.max(0, ticks - before.ticks);
      const taken = Math.min(growth, before.credit);
      delta += growth - taken;
      next.set(key, { ticks, ppid: stat.ppid, credit: before.credit - taken });
    }
    this.followed = next;
    return delta;
  }
}

/** One service's counter in seconds, fed from its cgroup or from /proc, whichever it has now. */
export class TreeCpuCounter {
  private seconds = 0;
  private cgroup: { path: string; usec: number } | null = null;
  private readonly proc = new ProcTreeCpu();

  get totalSeconds(): number {
    return this.seconds;
  }

  /** A reading of the cgroup's usage_usec. */
  addCgroupReading(path: string, usec: number): void {
    const last = this.cgroup;
    // A cgroup seen for the first time, or made anew (its usage went down): all of it is new.
    const grown = last !== null && last.path === path && usec >= last.usec ? usec - last.usec : usec;
    this.seconds += grown / 1_000_000;
    this.cgroup = { path, usec };
    this.proc.advance([]);
  }

  /** The tree's processes now, for a service without a cgroup; `ticksPerSecond` is USER_HZ. */
  addProcReading(members: readonly ProcStat[], ticksPerSecond: number): void {
    this.seconds += this.proc.advance(members) / ticksPerSecond;
  }
}
