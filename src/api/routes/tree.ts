/**
 * GET /api/v1/services/NAME/tree: every live process of the service's current start, nested
 * by parent, each with the sockets it listens on (`upkeep ps`). Found as stop and restart find
 * them (cgroup, process group and session, descendants, the start's marker: docs/identity.md)
 * and read from /proc only; the cost is one /proc scan and one fd-table read per member.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  findListeners,
  readListeningSockets,
  readListeningUnixSockets,
} from "../../identity/listen-ports.js";
import { readCmdline } from "../../identity/proc-stat.js";
import { buildTree, findTreeMembers, type TreeNode } from "../../identity/process-tree.js";
import { selectorOf } from "../../service/tree-effects.js";
import type { ApiContext } from "../app.js";
import { sendJson } from "../http-io.js";
import { runnerNamed } from "./services.js";
import type { ListenJson, ProcessJson, ServiceTreeJson } from "../wire.js";

export function handleServiceTree(
  ctx: ApiContext,
  _req: IncomingMessage,
  res: ServerResponse,
  _url: URL,
  [name]: string[],
): void {
  const runner = runnerNamed(ctx, name);
  const record = runner.record;
  const members = record ? findTreeMembers(selectorOf(record)) : [];
  const pids = members.map((m) => m.pid);
  // One pass over the members' fd tables for the inet and the UNIX sockets together.
  const sockets = [...readListeningSockets(), ...readListeningUnixSockets()];
  const listening = new Map<number, ListenJson[]>();
  for (const [pid, held] of findListeners(pids, sockets)) {
    // TCP and UDP first, then UNIX sockets, each in the order found.
    const ordered = [
      ...held.filter((s) => s.protocol !== "unix"),
      ...held.filter((s) => s.protocol === "unix"),
    ];
    listening.set(
      pid,
      ordered.map((s) =>
        s.protocol === "unix"
          ? { protocol: "unix", path: s.path }
          : { protocol: s.protocol, address: s.address, port: s.port },
      ),
    );
  }
  if (record !== null) {
    // What `ps` read is also the service's last sample, for its next incident.
    const ports = new Map<number, number[]>();
    for (const [pid, held] of listening)
      ports.set(
        pid,
        held.flatMap((s) => ("port" in s && typeof s.port === "number" ? [s.port] : [])),
      );
    ctx.supervisor.samples.note(runner.name, record.pid, "status", members, { ports });
  }
  const toJson = (node: TreeNode): ProcessJson => ({
    pid: node.stat.pid,
    ppid: node.stat.ppid,
    name: node.stat.comm,
    state: node.stat.state,
    cmdline: readCmdline(node.stat.pid) ?? [],
    listening: listening.get(node.stat.pid) ?? [],
    children: node.children.map(toJson),
  });
  const roots = buildTree(members);
  // The main process leads; other roots follow in PID order.
  roots.sort((a, b) => Number(b.stat.pid === record?.pid) - Number(a.stat.pid === record?.pid));
  const body: ServiceTreeJson = {
    name: runner.name,
    state: runner.state,
    pid: record && members.some((m) => m.pid === record.pid) ? record.pid : null,
    processes: roots.map(toJson),
  };
  sendJson(res, 200, body);
}
