/**
 * Reading one process's facts from /proc/PID: stat (state, parents, group, session, CPU,
 * memory, start time), cmdline and environ. No external tools: /proc is the source of truth.
 */
import { readFileSync } from "node:fs";
import { kernelFileBuffer, readKernelFile, readKernelFileInto } from "../core/read-kernel-file.js";
import { UpkeepError, errnoOf } from "../core/errors.js";

/** The fields of /proc/PID/stat that upkeep uses. */
export interface ProcStat {
  pid: number;
  /** The kernel's command name (at most 15 bytes; may contain spaces and parentheses). */
  comm: string;
  /** R running, S sleeping, D disk sleep, Z zombie, T stopped, X dead, I idle, ... */
  state: string;
  ppid: number;
  pgid: number;
  sid: number;
  utimeTicks: number;
  stimeTicks: number;
  /** Fields 16 and 17: CPU time of the children this process has waited for (reaped). */
  cutimeTicks: number;
  cstimeTicks: number;
  /** Field 22: start time in clock ticks since boot. */
  startTime: number;
  rssPages: number;
  vsizeBytes: number;
}

/**
 * Reads one native-word value from the ELF auxiliary vector the kernel handed this process.
 * /proc/self/auxv holds (type, value) pairs of 8-byte words on 64-bit Linux.
 */
function readAuxv(type: number): number | null {
  const buf = readFileSync("/proc/self/auxv");
  for (let off = 0; off + 16 <= buf.length; off += 16) {
    const key = Number(buf.readBigUInt64LE(off));
    if (key === 0) break; // AT_NULL ends the vector
    if (key === type) return Number(buf.readBigUInt64LE(off + 8));
  }
  return null;
}

/**
 * Clock ticks per second (USER_HZ) that /proc times are counted in. It is part of the kernel's
 * user ABI, fixed at 100 on x86_64 and arm64 whatever CONFIG_HZ is; `getconf CLK_TCK` reads the
 * same value from the auxiliary vector (AT_CLKTCK = 17), which is what we read, with 100 as the
 * fallback for a kernel that does not provide it.
 */
export const CLOCK_TICKS: number = readAuxv(17) ?? 100;

/** Bytes per page for rssPages (AT_PAGESZ = 6 in the auxiliary vector; 4096 on x86_64). */
export const PAGE_SIZE: number = readAuxv(6) ?? 4096;

/** Reads a /proc file, or null when the process is gone (ENOENT, or ESRCH while it exits). */
function readProcFile(pid: number, name: string): Buffer | null {
  try {
    // A gone process is an everyday answer here: no stack is built for it.
    return readKernelFile(`/proc/${pid}/${name}`);
  } catch (err) {
    const code = errnoOf(err);
    if (code === "ENOENT" || code === "ESRCH") return null;
    throw procReadError(pid, name, err);
  }
}

function procReadError(pid: number, name: string, err: unknown): UpkeepError {
  const code = errnoOf(err);
  return new UpkeepError("INTERNAL", `cannot read /proc/${pid}/${name}: ${code ?? String(err)}`, {
    hint: "upkeep needs read access to /proc; check that /proc is mounted and not restricted (hidepid)",
    details: { pid, errno: code },
    cause: err,
  });
}

/** Parses the text of /proc/PID/stat; exported for tests of odd command names. */
export function parseProcStat(text: string): ProcStat | null {
  const bytes = Buffer.from(text);
  return parseProcStatBytes(bytes, bytes.length);
}

/**
 * The fields of a /proc/PID/stat line, read from its bytes: no string of the whole line and no
 * array of its fifty fields. Trees, identities, samples and metrics read thousands of these
 * lines; splitting each made most of the garbage of a metrics scrape.
 */
export function parseProcStatBytes(buf: Uint8Array, length: number): ProcStat | null {
  const open = buf.indexOf(0x28); // (
  const close = buf.lastIndexOf(0x29, length - 1); // the LAST ')': comm may contain ") ("
  if (open < 0 || close < open || close + 3 > length) return null;
  const fields = new Array<number>(25).fill(0); // fields[n] is field n (1-based, as proc(5))
  let n = 3;
  let i = close + 2;
  const state = String.fromCharCode(buf[i]!);
  while (i < length && buf[i] !== 0x20) i++;
  while (n < 24 && i < length) {
    i++; // the space before the next field
    n++;
    let negative = false;
    if (buf[i] === 0x2d) {
      negative = true;
      i++;
    }
    let value = 0;
    for (let c = buf[i]!; i < length && c >= 0x30 && c <= 0x39; c = buf[++i]!)
      value = value * 10 + (c - 0x30);
    fields[n] = negative ? -value : value;
    if (i < length && buf[i] !== 0x20 && buf[i] !== 0x0a) {
      fields[n] = NaN; // not a number, as Number() would say
      while (i < length && buf[i] !== 0x20) i++;
    }
  }
  if (n < 24) return null;
  let pid = 0;
  for (let j = 0; j < open; j++) if (buf[j]! >= 0x30 && buf[j]! <= 0x39) pid = pid * 10 + (buf[j]! - 0x30);
  return {
    pid,
    comm: Buffer.from(buf.buffer, buf.byteOffset + open + 1, close - open - 1).toString("utf8"),
    state,
    ppid: fields[4]!,
    pgid: fields[5]!,
    sid: fields[6]!,
    utimeTicks: fields[14]!,
    stimeTicks: fields[15]!,
    cutimeTicks: fields[16]!,
    cstimeTicks: fields[17]!,
    startTime: fields[22]!,
    vsizeBytes: fields[23]!,
    rssPages: fields[24]!,
  };
}

/** Reads /proc/PID/stat; null when the process does not exist (any more). */
export function readProcStat(pid: number): ProcStat | null {
  try {
    // Parsed in the shared buffer: nothing of the line is copied but the command name.
    const length = readKernelFileInto(`/proc/${pid}/stat`);
    return parseProcStatBytes(kernelFileBuffer, length);
  } catch (err) {
    const code = errnoOf(err);
    if (code === "ENOENT" || code === "ESRCH") return null;
    throw procReadError(pid, "stat", err);
  }
}

/** The process's argv from /proc/PID/cmdline ([] for kernel threads and zombies); null when gone. */
export function readCmdline(pid: number): string[] | null {
  const buf = readProcFile(pid, "cmdline");
  if (buf === null) return null;
  const parts = buf.toString("utf8").split("\0");
  // argv ends with a NUL; a process that rewrote its title (setproctitle) leaves NUL padding.
  while (parts.at(-1) === "") parts.pop();
  return parts;
}

/** The initial environment's bytes; null when gone or not ours to read (EACCES). */
function readEnviron(pid: number): Buffer | null {
  try {
    return readProcFile(pid, "environ");
  } catch (err) {
    if (err instanceof UpkeepError && err.details.errno === "EACCES") return null;
    throw err;
  }
}

/**
 * True when the process's initial environment holds exactly `entry` ("NAME=value").
 * Unreadable (gone, or another user's process when not root) counts as false: the marker is
 * one of several ways to find a tree, never the only one.
 */
export function environContains(pid: number, entry: string): boolean {
  const buf = readEnviron(pid);
  if (buf === null) return false;
  const needle = Buffer.from(entry + "\0");
  if (buf.subarray(0, needle.length).equals(needle)) return true;
  return buf.includes(Buffer.from("\0" + entry + "\0"));
}

/**
 * The value of the first `prefix` entry ("NAME=") of the process's initial environment, or
 * null (none, gone, or unreadable: another user's process when not root).
 */
export function environValue(pid: number, prefix: string): string | null {
  const buf = readEnviron(pid);
  if (buf === null) return null;
  const needle = Buffer.from(prefix);
  let start = needle.length;
  if (!buf.subarray(0, needle.length).equals(needle)) {
    const at = buf.indexOf(Buffer.from("\0" + prefix));
    if (at < 0) return null;
    start = at + 1 + needle.length;
  }
  const end = buf.indexOf(0, start);
  return buf.toString("utf8", start, end < 0 ? buf.length : end);
}

/**
 * The process's real, effective, saved and file-system user ids (the `Uid:` line of
 * /proc/PID/status); null when gone. /proc/PID's owner is not used: the kernel shows root
 * there for a process that is not dumpable (one that changed its user, as daemons do).
 */
export function readProcessUids(pid: number): number[] | null {
  const buf = readProcFile(pid, "status");
  if (buf === null) return null;
  const line = /^Uid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$/m.exec(buf.toString("utf8"));
  return line === null ? null : line.slice(1, 5).map(Number);
}
