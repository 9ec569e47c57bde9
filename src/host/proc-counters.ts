/**
 * The host-wide figures of /proc that `uptime`, `free` and `vmstat` print, parsed from their
 * text: /proc/loadavg, /proc/meminfo, /proc/stat and /proc/vmstat. Parsers are pure (tested on
 * fixed text); readHostCounters reads the four files asynchronously.
 */
import { readFile } from "node:fs/promises";
import type { HostSnapshot } from "../store/incident-record.js";

/** The cumulative counters of one reading; two readings give the rates. */
export interface HostCounters {
  at: number;
  load: [number, number, number];
  memory: HostSnapshot["memory"];
  running: number;
  blocked: number;
  /** Since boot: context switches, interrupts, swap pages in/out, page faults, major faults. */
  ctxt: number;
  intr: number;
  pswpin: number;
  pswpout: number;
  pgfault: number;
  pgmajfault: number;
  /** The aggregate `cpu` line of /proc/stat, in ticks: user, nice, system, idle, iowait, irq, softirq, steal. */
  cpuTicks: number[];
}

export function parseLoadavg(text: string): [number, number, number] {
  const [a = "0", b = "0", c = "0"] = text.trim().split(/\s+/);
  return [Number(a) || 0, Number(b) || 0, Number(c) || 0];
}

/** /proc/meminfo in bytes (the file says kB, meaning KiB). */
export function parseMeminfo(text: string): HostSnapshot["memory"] {
  const kib = new Map<string, number>();
  for (const line of text.split("\n")) {
    const match = /^(\w+):\s+(\d+)/.exec(line);
    if (match) kib.set(match[1]!, Number(match[2]));
  }
  const bytes = (key: string): number => (kib.get(key) ?? 0) * 1024;
  return {
    totalBytes: bytes("MemTotal"),
    availableBytes: bytes("MemAvailable"),
    freeBytes: bytes("MemFree"),
    buffersBytes: bytes("Buffers"),
    cachedBytes: bytes("Cached"),
    swapTotalBytes: bytes("SwapTotal"),
    swapFreeBytes: bytes("SwapFree"),
  };
}

/** "key value …" lines (/proc/stat, /proc/vmstat) → first number of each key. */
export function parseKeyedCounters(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split("\n")) {
    const space = line.indexOf(" ");
    if (space <= 0) continue;
    const key = line.slice(0, space);
    const first = /\d+/.exec(line.slice(space));
    if (first) values.set(key, Number(first[0]));
  }
  return values;
}

/** The aggregate cpu line of /proc/stat as numbers (empty when absent). */
export function parseCpuLine(statText: string): number[] {
  const line = statText.split("\n").find((l) => l.startsWith("cpu "));
  return line === undefined ? [] : line.trim().split(/\s+/).slice(1).map(Number);
}

/** One reading of the four files; a file that cannot be read gives zeros and a note. */
export async function readHostCounters(notes: string[]): Promise<HostCounters> {
  const read = (path: string): Promise<string> =>
    readFile(path, "utf8").catch((err: unknown) => {
      notes.push(`${path} unreadable: ${err instanceof Error ? err.message : String(err)}`);
      return "";
    });
  const [loadavg, meminfo, stat, vmstat] = await Promise.all([
    read("/proc/loadavg"),
    read("/proc/meminfo"),
    read("/proc/stat"),
    read("/proc/vmstat"),
  ]);
  const s = parseKeyedCounters(stat);
  const v = parseKeyedCounters(vmstat);
  return {
    at: Date.now(),
    load: parseLoadavg(loadavg),
    memory: parseMeminfo(meminfo),
    running: s.get("procs_running") ?? 0,
    blocked: s.get("procs_blocked") ?? 0,
    ctxt: s.get("ctxt") ?? 0,
    intr: s.get("intr") ?? 0,
    pswpin: v.get("pswpin") ?? 0,
    pswpout: v.get("pswpout") ?? 0,
    pgfault: v.get("pgfault") ?? 0,
    pgmajfault: v.get("pgmajfault") ?? 0,
    cpuTicks: parseCpuLine(stat),
  };
}

/** vmstat's figures from two readings: procs as of the second, the rest per second between them. */
export function vmstatBetween(a: HostCounters, b: HostCounters): HostSnapshot["vmstat"] {
  const seconds = Math.max(0.001, (b.at - a.at) / 1000);
  const rate = (x: number, y: number): number => Math.round((Math.max(0, y - x) / seconds) * 10) / 10;
  const delta = b.cpuTicks.map((t, i) => Math.max(0, t - (a.cpuTicks[i] ?? t)));
  const total = delta.reduce((sum, t) => sum + t, 0);
  const share = (...indexes: number[]): number =>
    total === 0 ? 0 : Math.round((indexes.reduce((sum, i) => sum + (delta[i] ?? 0), 0) / total) * 1000) / 10;
  return {
    running: b.running,
    blocked: b.blocked,
    contextSwitchesPerSec: rate(a.ctxt, b.ctxt),
    interruptsPerSec: rate(a.intr, b.intr),
    swapInPagesPerSec: rate(a.pswpin, b.pswpin),
    swapOutPagesPerSec: rate(a.pswpout, b.pswpout),
    pageFaultsPerSec: rate(a.pgfault, b.pgfault),
    majorFaultsPerSec: rate(a.pgmajfault, b.pgmajfault),
    // user + nice; system + irq + softirq; as vmstat's us, sy, id, wa, st columns.
    cpu: { user: share(0, 1), system: share(2, 5, 6), idle: share(3), iowait: share(4), steal: share(7) },
  };
}
