/**
 * Port pre-flight (SPEC §6): before a service with `listen:` ports starts, every port must be
 * free. A port someone else holds would only make the service crash on "address in use" and
 * loop through its restarts; instead the start fails at once with the holder named: PID,
 * command, since when, and whether it carries this service's marker (a leftover of an earlier
 * run of it, which the tree kill before each restart normally leaves none of).
 *
 * Cost: /proc/net/tcp{,6} once per port; only a port that is held pays for a scan of every
 * process's fds to find its holder.
 */
import { randomUUID } from "node:crypto";
import { startTimeToEpochMs } from "../identity/boot-id.js";
import { STATE_ID_ENV } from "../config/state-dir-id.js";
import { cgroupPids, isCgroupEmpty } from "../identity/cgroup.js";
import { killTreeAndWait } from "../identity/kill-tree.js";
import { findPortHolders, readListeningSockets } from "../identity/listen-ports.js";
import { environContains, readCmdline, readProcStat } from "../identity/proc-stat.js";

export interface PortHeld {
  port: number;
  /** 0 when the port is in LISTEN but its holder cannot be seen (another user's process when
   *  upkeep is not root, or another network namespace). */
  pid: number;
  command: string;
  /** ISO time the holder started, or null when it is gone by now. */
  startedAt: string | null;
  /** The holder carries UPKEEP_SERVICE=<this service>: a leftover of an earlier run of it. */
  leftover: boolean;
  /**
   * Proven this daemon's: it also carries this state dir's UPKEEP_STATE_ID (or is in the
   * service's cgroup), so it may be killed. `startTime` pins the process for that kill.
   */
  proven: { startTime: number } | null;
}

/** Who holds each of `ports` now, one entry per port (its lowest holder PID); [] when all are free. */
export function findHeldPorts(
  service: string,
  ports: readonly number[],
  cgroupPath: string | null = null,
): PortHeld[] {
  const inCgroup = new Set(cgroupPath === null ? [] : cgroupPids(cgroupPath));
  const held: PortHeld[] = [];
  const listening = readListeningSockets(); // one read of /proc/net/* for all the ports
  for (const port of ports) {
    if (!listening.some((s) => s.port === port && s.protocol.startsWith("tcp"))) continue; // free
    const holder = findPortHolders(port, "tcp", listening)[0];
    if (holder === undefined) {
      held.push({ port, pid: 0, command: "", startedAt: null, leftover: false, proven: null });
      continue;
    }
    const stat = readProcStat(holder.pid);
    held.push({
      port,
      pid: holder.pid,
      command: (readCmdline(holder.pid) ?? []).join(" ") || (stat ? `[${stat.comm}]` : "?"),
      startedAt: stat ? new Date(startTimeToEpochMs(stat.startTime)).toISOString() : null,
      leftover: inCgroup.has(holder.pid) || environContains(holder.pid, `UPKEEP_SERVICE=${service}`),
      proven: stat !== null && isProven(service, holder.pid, inCgroup) ? { startTime: stat.startTime } : null,
    });
  }
  return held;
}

function isProven(service: string, pid: number, inCgroup: Set<number>): boolean {
  if (inCgroup.has(pid)) return true;
  const stateId = process.env[STATE_ID_ENV];
  return (
    stateId !== undefined &&
    environContains(pid, `UPKEEP_SERVICE=${service}`) &&
    environContains(pid, `${STATE_ID_ENV}=${stateId}`)
  );
}

/**
 * Kills the holders proven to be leftovers of this service started by this daemon's state dir
 * (before a start nothing of the service may run); returns the PIDs killed. A process is only
 * signalled while it is still the one found (same start time).
 */
export async function killProvenHolders(held: readonly PortHeld[]): Promise<number[]> {
  const killed: number[] = [];
  for (const h of held) {
    if (h.proven === null || readProcStat(h.pid)?.startTime !== h.proven.startTime) continue;
    const startTime = h.proven.startTime;
    const { killed: pids } = await killTreeAndWait(
      { pid: h.pid, startTime, pgid: 0, sid: 0, runId: randomUUID(), cgroup: null },
      5_000,
    );
    killed.push(...pids);
  }
  if (killed.length > 0)
    await waitForPortsToLeaveListen(held.filter((h) => h.proven !== null).map((h) => h.port));
  return killed;
}

const PORT_RELEASE_WAIT_MS = 1_000;

/**
 * The kernel tears a killed holder's listening socket down a moment after the process is gone:
 * waits (at most a second) until the ports have left LISTEN, so a start does not trip over them.
 */
export async function waitForPortsToLeaveListen(ports: readonly number[]): Promise<void> {
  const deadline = Date.now() + PORT_RELEASE_WAIT_MS;
  while (ports.length > 0 && Date.now() < deadline) {
    if (!readListeningSockets().some((s) => ports.includes(s.port) && s.protocol.startsWith("tcp"))) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The failed start's reason: what holds which port, and the command that frees it. */
export function describeHeldPorts(service: string, held: readonly PortHeld[]): string {
  const parts = held.map((h) => {
    if (h.pid === 0) {
      return `port ${h.port} is already in LISTEN, held by a process upkeep cannot see (another user's, or in another network namespace; find it with: ss -ltnp 'sport = :${h.port}')`;
    }
    const since = h.startedAt === null ? "" : `, started ${h.startedAt}`;
    const whose = h.leftover ? `a leftover of an earlier run of ${service}` : `not a process of ${service}`;
    return `port ${h.port} is already held by PID ${h.pid} (${h.command}${since}), ${whose}`;
  });
  const pids = [...new Set(held.map((h) => h.pid).filter((pid) => pid !== 0))].join(" ");
  const stop = pids === "" ? "stop it" : `stop it (kill ${pids})`;
  return `${parts.join("; ")}: ${stop} or change services.${service}.listen, then: upkeep reset ${service}`;
}

/**
 * Kills whatever is still in the service's own cgroup before a start; returns the PIDs killed.
 * The cgroup's path carries the state dir's hash and the service's name, so its members are
 * proven upkeep's leftovers of this service. Holders proven only by the environment marker are
 * named by the pre-flight, never killed (another upkeep with another state dir may run a
 * service of the same name). One read of cgroup.events when the cgroup is empty, as it is
 * before nearly every start.
 */
export async function cleanCgroupLeftovers(
  cgroupPath: string | null,
): Promise<{ killed: number[]; survivors: number[] }> {
  if (cgroupPath === null || isCgroupEmpty(cgroupPath)) return { killed: [], survivors: [] };
  // Only the cgroup selects: no PID, group or session, and a marker nobody carries.
  const cgroupOnly = { pid: 0, startTime: 0, pgid: 0, sid: 0, runId: randomUUID(), cgroup: cgroupPath };
  return killTreeAndWait(cgroupOnly, 5_000);
}
