/**
 * Facts about the current boot: its id (part of every process identity, since PIDs and start
 * times restart at each boot) and its wall-clock time (to turn start times into dates).
 */
import { readFileSync } from "node:fs";
import { UpkeepError } from "../core/errors.js";
import { CLOCK_TICKS } from "./proc-stat.js";

let cachedBootId: string | null = null;

/** The kernel's random id of this boot (cached: it cannot change while we run). */
export function readBootId(): string {
  cachedBootId ??= readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  return cachedBootId;
}

/**
 * Boot time in epoch milliseconds, from the `btime` line of /proc/stat. Not cached: the kernel
 * derives it from the wall clock, so it moves when the clock is set, and it only has second
 * precision. Good for showing a start date, not for identity (use start ticks for that).
 */
export function readBootTimeMs(): number {
  const match = /^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"));
  if (!match?.[1]) {
    throw new UpkeepError("INTERNAL", "cannot read the boot time: /proc/stat has no btime line", {
      hint: "check that /proc is a real procfs mount",
    });
  }
  return Number(match[1]) * 1000;
}

/** Converts a /proc start time (ticks since boot) to epoch milliseconds. */
export function startTimeToEpochMs(startTicks: number, bootTimeMs: number = readBootTimeMs()): number {
  return bootTimeMs + Math.round((startTicks * 1000) / CLOCK_TICKS);
}

/**
 * Clock ticks since boot now, from /proc/uptime (the clock process start times are counted
 * on): a process that starts after this call has a start time of at least this value.
 */
export function readUptimeTicks(): number {
  const seconds = Number.parseFloat(readFileSync("/proc/uptime", "utf8"));
  // /proc/uptime is rounded to 1/100 s; one tick less keeps the bound on the safe side.
  return Math.max(0, Math.floor(seconds * CLOCK_TICKS) - 1);
}
