/**
 * What a service's live tree must contain (SPEC §2 `children`, `listen`) against what it does
 * contain: the children by name and count, and which process holds each declared port. One
 * function for `upkeep check` and for the daemon's continuous watch, so both say the same.
 */
import { basename } from "node:path";
import type { ChildSpec, ServiceConfig } from "../config/model.js";
import { findListeners, findPortHolders } from "../identity/listen-ports.js";
import type { ListeningSocket } from "../identity/proc-net.js";
import { readCmdline, type ProcStat } from "../identity/proc-stat.js";

/** A member of the tree, with its command line (read once). */
export interface Member {
  stat: ProcStat;
  argv: string[];
}

export interface ChildFinding {
  spec: ChildSpec;
  pids: number[];
}

export interface PortFinding {
  port: number;
  /** The child that must hold it, or null for the service's own `listen`. */
  child: string | null;
  /** Tree members holding it in LISTEN. */
  holders: number[];
  /** When no member holds it: a process outside the tree that does (PID and command), if any. */
  outsider: { pid: number; command: string } | null;
  /** For a child's port that the child does not hold: another member of the tree that does. */
  otherMember: { pid: number; comm: string } | null;
}

export interface TreeFindings {
  children: ChildFinding[];
  ports: PortFinding[];
}

/** True when the service declares anything its tree must hold (children or ports). */
export function declaresTree(config: ServiceConfig): boolean {
  return config.children.length > 0 || config.listen.length > 0;
}

/** Every port the service declares, its own and its children's. */
export function declaredPorts(config: ServiceConfig): number[] {
  return [...config.listen, ...config.children.flatMap((c) => c.listen)];
}

/** True when the process is a child of this name: its comm, argv[0]'s base name, or its whole command line. */
export function isChildNamed(name: string, member: Member): boolean {
  // comm keeps 15 characters: a longer name would also match its 15-character look-alikes.
  if (name.length <= 15 && member.stat.comm === name) return true;
  const first = member.argv[0];
  if (first !== undefined && basename(first) === name) return true;
  const line = member.argv.join(" ").trim();
  return line === name || line.startsWith(`${name} `);
}

/** Reads the command lines of a tree's processes. */
export function membersOf(stats: readonly ProcStat[]): Member[] {
  return stats.map((stat) => ({ stat, argv: readCmdline(stat.pid) ?? [] }));
}

/**
 * Compares the tree with the service's declarations. `mainPid` is not counted as a child.
 * `listening` is one read of /proc/net/* shared by every service being checked.
 */
export function evaluateTree(
  config: ServiceConfig,
  members: readonly Member[],
  mainPid: number,
  listening: readonly ListeningSocket[],
): TreeFindings {
  const others = members.filter((m) => m.stat.pid !== mainPid && m.stat.state !== "Z");
  const children = config.children.map((spec) => ({
    spec,
    pids: others.filter((m) => isChildNamed(spec.name, m)).map((m) => m.stat.pid),
  }));
  // A port a child declares is checked as that child's (the stricter test), not twice.
  const ofChildren = config.children.flatMap((c) => c.listen.map((port) => ({ port, child: c.name })));
  const wanted: { port: number; child: string | null }[] = [
    ...config.listen
      .filter((port) => !ofChildren.some((c) => c.port === port))
      .map((port) => ({ port, child: null })),
    ...ofChildren,
  ];
  if (wanted.length === 0) return { children, ports: [] };

  const tcp = listening.filter((s) => s.protocol === "tcp" || s.protocol === "tcp6");
  const held = findListeners(
    members.map((m) => m.stat.pid),
    tcp.filter((s) => wanted.some((w) => w.port === s.port)),
  );
  const ports = wanted.map(({ port, child }) => {
    const eligible = child === null ? members : members.filter((m) => isChildNamed(child, m));
    const holders = eligible
      .filter((m) => held.get(m.stat.pid)?.some((s) => s.port === port))
      .map((m) => m.stat.pid);
    let outsider: PortFinding["outsider"] = null;
    const other =
      holders.length === 0
        ? members.find((m) => held.get(m.stat.pid)?.some((s) => s.port === port))
        : undefined;
    const otherMember = other === undefined ? null : { pid: other.stat.pid, comm: other.stat.comm };
    if (holders.length === 0 && other === undefined && tcp.some((s) => s.port === port)) {
      // Only a port in LISTEN that the tree does not hold pays for a search of every process.
      const holder = findPortHolders(port, "tcp", tcp).find(
        (h) => !members.some((m) => m.stat.pid === h.pid),
      );
      if (holder !== undefined)
        outsider = { pid: holder.pid, command: (readCmdline(holder.pid) ?? []).join(" ") };
    }
    return { port, child, holders, outsider, otherMember };
  });
  return { children, ports };
}

/** An expectation that does not hold: what was expected, what was found. */
export interface Unmet {
  kind: "children" | "ports";
  expected: string;
  found: string;
  /** A process outside the tree holding the port. */
  outsider?: { pid: number; command: string };
}

/** One entry per unmet expectation (empty when all hold). */
export function describeUnmet(findings: TreeFindings): Unmet[] {
  const unmet: Unmet[] = [];
  for (const c of findings.children) {
    if (c.pids.length >= c.spec.count) continue;
    const found = c.pids.length === 0 ? "none" : `${c.pids.length} (PIDs ${c.pids.join(", ")})`;
    unmet.push({ kind: "children", expected: `${c.spec.count} × child ${c.spec.name}`, found });
  }
  for (const p of findings.ports) {
    if (p.holders.length > 0) continue;
    const by = p.child === null ? "its tree" : `child ${p.child}`;
    const found =
      p.otherMember !== null
        ? `held by PID ${p.otherMember.pid} (${p.otherMember.comm}) of the tree, not by child ${p.child ?? "?"}`
        : p.outsider !== null
          ? `held by PID ${p.outsider.pid} (${p.outsider.command || "?"}), outside the service's tree`
          : "not in LISTEN";
    const expected = `port ${p.port} in LISTEN, held by ${by}`;
    unmet.push({ kind: "ports", expected, found, ...(p.outsider ? { outsider: p.outsider } : {}) });
  }
  return unmet;
}
