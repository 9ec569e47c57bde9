/**
 * Listening ports and who holds them, read from /proc only (no ss, lsof, netstat): the socket
 * tables of /proc/net/* joined by inode with the /proc/PID/fd links of the processes asked about.
 * Serves the SPEC's `listen:` check ("the declared ports are in LISTEN, held by a process of the
 * service's tree") and the pre-flight "port 8080 is already held by PID N (nginx)".
 *
 * A listening socket is often held by several processes (a master and the workers it forked
 * keep the same descriptor), and with SO_REUSEPORT one port has several sockets (inodes).
 */
import { readListeningSockets, type InetProtocol, type ListeningSocket } from "./proc-net.js";
import { listPids } from "./process-table.js";
import { readSocketInodes } from "./socket-inodes.js";

export {
  INET_PROTOCOLS,
  readListeningSockets,
  readListeningUnixSockets,
  type InetProtocol,
  type ListeningSocket,
  type UnixListeningSocket,
} from "./proc-net.js";
export { readSocketInodes } from "./socket-inodes.js";

/** What a socket must have to be joined with the fd tables: its inode. */
export interface SocketWithInode {
  inode: number;
}

/** Groups sockets by inode (one inode is one socket, but keep the join total). */
function indexByInode<S extends SocketWithInode>(sockets: readonly S[]): Map<number, S[]> {
  const index = new Map<number, S[]>();
  for (const socket of sockets) {
    const list = index.get(socket.inode);
    if (list) list.push(socket);
    else index.set(socket.inode, [socket]);
  }
  return index;
}

/** The sockets of `index` that process `pid` holds (one read of its fd directory). */
function heldBy<S>(pid: number, index: Map<number, S[]>): S[] {
  const held: S[] = [];
  for (const inode of readSocketInodes(pid)) {
    const sockets = index.get(inode);
    if (sockets) held.push(...sockets);
  }
  return held;
}

/**
 * Which listening sockets each of `pids` holds. Every pid given is a key; its list is empty
 * when it holds none (or is gone, or is not ours to read). Reads /proc/net/* once (skip that
 * by passing `sockets`, e.g. one read shared by every service of an `upkeep check`, or the
 * result of readListeningUnixSockets) and each /proc/PID/fd once; none of them when no socket
 * listens at all.
 */
export function findListeners(pids: readonly number[]): Map<number, ListeningSocket[]>;
export function findListeners<S extends SocketWithInode>(
  pids: readonly number[],
  sockets: readonly S[],
): Map<number, S[]>;
export function findListeners(
  pids: readonly number[],
  sockets: readonly SocketWithInode[] = readListeningSockets(),
): Map<number, SocketWithInode[]> {
  const index = indexByInode(sockets);
  const result = new Map<number, SocketWithInode[]>();
  for (const pid of pids) {
    if (!result.has(pid)) result.set(pid, index.size === 0 ? [] : heldBy(pid, index));
  }
  return result;
}

/** True when a socket's protocol is of the family asked for ("tcp" covers tcp and tcp6). */
function isOfFamily(protocol: InetProtocol, family: "tcp" | "udp" | undefined): boolean {
  return family === undefined || protocol === family || protocol === `${family}6`;
}

/** One process holding one listening socket. */
export interface PortHolder {
  pid: number;
  socket: ListeningSocket;
}

/**
 * Every process holding a listening socket on `port` (TCP and UDP unless `protocol` says which;
 * "tcp" includes tcp6, and a dual-stack server on "::" shows only as tcp6), sorted by pid.
 * /proc/net/* is checked first and costs little (pass `listening` to share one read between
 * several ports); only a port found there pays for a scan of every process's fds. An empty list with the port in /proc/net/* means a holder we may not
 * read (not root), or one in another network namespace.
 */
export function findPortHolders(
  port: number,
  protocol?: "tcp" | "udp",
  listening: readonly ListeningSocket[] = readListeningSockets(),
): PortHolder[] {
  const sockets = listening.filter((s) => s.port === port && isOfFamily(s.protocol, protocol));
  if (sockets.length === 0) return [];
  const index = indexByInode(sockets);
  const holders: PortHolder[] = [];
  for (const pid of listPids()) {
    for (const socket of heldBy(pid, index)) holders.push({ pid, socket });
  }
  return holders.sort((a, b) => a.pid - b.pid);
}
