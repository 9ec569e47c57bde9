/**
 * The `upkeep ps` table: PID STATE PROCESS LISTEN, one line per process, nested under its
 * parent with tree branches; a process listening on several sockets lists them all.
 */
import type { ListenJson, ProcessJson, ServiceTreeJson } from "../../api/wire.js";
import { renderTable, type Cell } from "./table.js";

export const PS_HEADER = ["PID", "STATE", "PROCESS", "LISTEN"] as const;

/** `tcp 127.0.0.1:8080`, `tcp6 [::1]:8080`, `unix /run/app.sock`. */
export function formatListen(socket: ListenJson): string {
  if (socket.protocol === "unix") return `unix ${socket.path || "(unnamed)"}`;
  const host = socket.address.includes(":") ? `[${socket.address}]` : socket.address;
  return `${socket.protocol} ${host}:${socket.port}`;
}

/** The command line shortened for a table cell (the name when it cannot be read). */
function commandText(process: ProcessJson): string {
  const text = process.cmdline.length > 0 ? process.cmdline.join(" ") : `[${process.name}]`;
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

export function renderProcessTree(tree: ServiceTreeJson): string {
  if (tree.processes.length === 0) return `${tree.name}: ${tree.state}, no process of it is running\n`;
  const rows: Cell[][] = [];
  const walk = (process: ProcessJson, prefix: string, branch: string): void => {
    rows.push([
      String(process.pid),
      process.state,
      `${prefix}${branch}${commandText(process)}`,
      process.listening.map(formatListen).join(", "),
    ]);
    const childPrefix = prefix + (branch === "" ? "" : branch === "└─ " ? "   " : "│  ");
    process.children.forEach((child, i) =>
      walk(child, childPrefix, i === process.children.length - 1 ? "└─ " : "├─ "),
    );
  };
  for (const root of tree.processes) walk(root, "", "");
  // A process without sockets leaves the last column empty: no trailing blanks then.
  return renderTable(PS_HEADER, rows, false).replace(/ +\n/g, "\n");
}
