/**
 * The machine a bench ran on, printed with the table: figures mean little without it. Also how
 * busy the machine was meanwhile (load average, and the CPU time the hypervisor gave to other
 * guests — "steal" — which on a shared VM moves every figure here).
 */
import { readFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";

export interface MachineInfo {
  cpu: string;
  cores: number;
  ramGiB: string;
  kernel: string;
  node: string;
  date: string;
}

/** CPU model (/proc/cpuinfo), logical cores, RAM, kernel, Node version and the date. */
export function describeMachine(): MachineInfo {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? "unknown";
  return {
    cpu: model.trim(),
    cores: cpus().length,
    ramGiB: (totalmem() / 1024 ** 3).toFixed(1),
    kernel: release(),
    node: process.version,
    date: new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC",
  };
}

export function renderMachine(m: MachineInfo): string {
  return `machine: ${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM, Linux ${m.kernel}, Node ${m.node}; ${m.date}`;
}

/** A reading of the machine's CPU counters and load, to compare the start and end of a run. */
export interface BusySample {
  /** Jiffies of all CPUs: total, and stolen by the hypervisor (first line of /proc/stat). */
  total: number;
  steal: number;
  load1: number;
}

export function sampleBusy(): BusySample {
  const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "")
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  // user nice system idle iowait irq softirq steal guest guest_nice: guest time is already in user.
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  return { total, steal: fields[7] ?? 0, load1: loadavg()[0] ?? 0 };
}

/** "load 0.5 → 1.2, steal 3%": how contended the machine was between the two samples. */
export function renderBusy(start: BusySample, end: BusySample): string {
  const span = end.total - start.total;
  const steal = span > 0 ? ((end.steal - start.steal) / span) * 100 : 0;
  return `load average ${start.load1.toFixed(2)} at start, ${end.load1.toFixed(2)} at end; CPU steal ${steal.toFixed(1)}%`;
}
