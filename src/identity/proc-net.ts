/**
 * The kernel's socket tables in /proc/net: listening TCP, bound UDP and listening UNIX sockets,
 * each with its inode, the key that ties a socket to the processes holding it (their
 * /proc/PID/fd links). /proc/net shows the network namespace of the process reading it: a
 * service inside another namespace (a container) does not appear here.
 */
import { readFileSync } from "node:fs";
import { endianness } from "node:os";
import { UpkeepError, errnoOf } from "../core/errors.js";

export const INET_PROTOCOLS = ["tcp", "tcp6", "udp", "udp6"] as const;
export type InetProtocol = (typeof INET_PROTOCOLS)[number];

/** A TCP socket in LISTEN, or a bound, unconnected UDP socket (a UDP server). */
export interface ListeningSocket {
  protocol: InetProtocol;
  /** Dotted IPv4 or compressed IPv6 (RFC 5952): "127.0.0.1", "0.0.0.0", "::", "::1", "::ffff:10.0.0.1". */
  address: string;
  port: number;
  inode: number;
}

/** A UNIX socket in listen (stream or seqpacket). */
export interface UnixListeningSocket {
  protocol: "unix";
  /** The bound path; "@name" for the abstract namespace (NUL padding cut); "" when unnamed. */
  path: string;
  inode: number;
}

/** The `st` column: TCP_LISTEN for TCP; TCP_CLOSE (7) is what an unconnected UDP socket shows. */
const SERVER_STATE: Record<InetProtocol, string> = { tcp: "0A", tcp6: "0A", udp: "07", udp6: "07" };
/** __SO_ACCEPTCON in the Flags column of /proc/net/unix: the socket is listening. */
const SO_ACCEPTCON = 0x10000;
/** sizeof(sun_path): an abstract name printed at this length ("@" + 107 bytes) is padded. */
const SUN_PATH_LENGTH = 108;

/**
 * The kernel prints the NULs of an abstract name as "@". Node (libuv) binds abstract names with
 * the whole 108-byte sun_path, so "\0app" shows as "@app@@@...@"; that padding is cut. A name
 * that really ends in "@" and fills sun_path is the one (unlikely) case this gets wrong.
 */
function trimAbstractPadding(path: string): string {
  return path.startsWith("@") && path.length === SUN_PATH_LENGTH ? path.replace(/@+$/, "") : path;
}
const HOST_LITTLE_ENDIAN = endianness() === "LE";

/**
 * Decodes an address as /proc/net/{tcp,udp}{,6} prints it: the raw network-order bytes read as
 * 32-bit words in host order, each printed "%08X" (one word for IPv4, four for IPv6). Writing
 * each word back in host order restores the bytes: "0100007F" is 127.0.0.1 on x86.
 */
export function decodeProcNetAddress(hex: string): string {
  if ((hex.length !== 8 && hex.length !== 32) || !/^[0-9A-Fa-f]+$/.test(hex)) {
    throw new UpkeepError("INTERNAL", `cannot decode the /proc/net address "${hex}"`, {
      hint: "expected 8 or 32 hex digits; this kernel prints /proc/net/tcp differently (please report it)",
    });
  }
  const bytes = Buffer.alloc(hex.length / 2);
  for (let word = 0; word < bytes.length / 4; word++) {
    const value = parseInt(hex.slice(word * 8, word * 8 + 8), 16);
    if (HOST_LITTLE_ENDIAN) bytes.writeUInt32LE(value, word * 4);
    else bytes.writeUInt32BE(value, word * 4);
  }
  return bytes.length === 4 ? bytes.join(".") : formatIPv6(bytes);
}

/** RFC 5952 text of 16 address bytes: lower case, the longest run (>= 2) of zero groups as "::". */
export function formatIPv6(bytes: Buffer): string {
  const groups = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${bytes.subarray(12).join(".")}`; // IPv4-mapped, as Node's server.address() shows it
  }
  let bestStart = -1;
  let bestLength = 1; // a single zero group stays "0"
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hexOf = (gs: number[]): string => gs.map((g) => g.toString(16)).join(":");
  if (bestStart < 0) return hexOf(groups);
  return `${hexOf(groups.slice(0, bestStart))}::${hexOf(groups.slice(bestStart + bestLength))}`;
}

/** The server sockets in the text of one /proc/net/{tcp,tcp6,udp,udp6} file. */
export function parseProcNetInet(text: string, protocol: InetProtocol): ListeningSocket[] {
  const sockets: ListeningSocket[] = [];
  const wanted = SERVER_STATE[protocol];
  for (const line of text.split("\n")) {
    // "sl: local:port remote:port st tx:rx tr:when retrnsmt uid timeout inode ..."
    const fields = line.trim().split(/\s+/);
    if (fields[3] !== wanted || fields.length < 10) continue; // also skips the header line
    const [address, portHex] = (fields[1] ?? "").split(":");
    const port = parseInt(portHex ?? "", 16);
    const inode = Number(fields[9]);
    // Port 0: not bound yet. Inode 0: no file behind it any more (an orphan): no one holds it.
    if (address === undefined || !(port > 0) || !(inode > 0)) continue;
    sockets.push({ protocol, address: decodeProcNetAddress(address), port, inode });
  }
  return sockets;
}

/** The listening UNIX sockets in the text of /proc/net/unix. */
export function parseProcNetUnix(text: string): UnixListeningSocket[] {
  const sockets: UnixListeningSocket[] = [];
  // "Num: RefCount Protocol Flags Type St Inode [Path]"; the path may contain spaces.
  const row =
    /^[0-9a-fA-F]+: [0-9A-Fa-f]+ [0-9A-Fa-f]+ ([0-9A-Fa-f]+) [0-9A-Fa-f]+ [0-9A-Fa-f]+ +(\d+)(?: (.*))?$/;
  for (const line of text.split("\n")) {
    const match = row.exec(line);
    if (!match || (parseInt(match[1] ?? "0", 16) & SO_ACCEPTCON) === 0) continue;
    sockets.push({ protocol: "unix", path: trimAbstractPadding(match[3] ?? ""), inode: Number(match[2]) });
  }
  return sockets;
}

/** Reads one /proc/net table; null when the kernel does not offer it (IPv6 disabled at boot). */
function readProcNet(name: string): string | null {
  try {
    return readFileSync(`/proc/net/${name}`, "utf8");
  } catch (err) {
    // ENOENT: tcp6/udp6 are missing when the kernel runs with ipv6.disable=1: no sockets of that kind.
    if (errnoOf(err) === "ENOENT") return null;
    throw new UpkeepError("INTERNAL", `cannot read /proc/net/${name}: ${errnoOf(err) ?? String(err)}`, {
      hint: "upkeep reads listening ports from /proc; check that /proc is mounted and readable",
      details: { errno: errnoOf(err), file: `/proc/net/${name}` },
      cause: err,
    });
  }
}

/** Every listening TCP and bound UDP socket of this network namespace, in one pass of four files. */
export function readListeningSockets(): ListeningSocket[] {
  const sockets: ListeningSocket[] = [];
  for (const protocol of INET_PROTOCOLS) {
    const text = readProcNet(protocol);
    if (text !== null) sockets.push(...parseProcNetInet(text, protocol));
  }
  return sockets;
}

/** Every listening UNIX socket of this network namespace, from /proc/net/unix. */
export function readListeningUnixSockets(): UnixListeningSocket[] {
  const text = readProcNet("unix");
  return text === null ? [] : parseProcNetUnix(text);
}
