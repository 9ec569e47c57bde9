/**
 * How the daemon's own log lines look (docs/daemon.md, "The daemon's own log"): one record per
 * message or event, each with a level, in one of three shapes:
 *
 * - `text`: `2026-12-07T08:26:12.098Z info  web stopped → starting: start requested`: an
 *   ISO-8601 UTC time (milliseconds), the level padded to 5, the message;
 * - `json`: one JSON object per line, `{"ts","level","msg"}`; for an event `msg` is its reason,
 *   with `service`, `kind`, `from`, `to`, `event_id` and (when there are any) `details`;
 * - `journal`: `<6>web stopped → starting: …`: the priority prefix sd-daemon(3) defines (3 error,
 *   4 warning, 6 info) and no time, since journald stamps each line itself.
 *
 * `auto` (the default) is `journal` when stderr is the stream systemd set up for this unit
 * (JOURNAL_STREAM names its device and inode, as sd-daemon prescribes, not merely set: a
 * service started from a unit inherits the variable with another stderr), else `text`.
 */
import type { EventRecord } from "../store/store.js";

export const LOG_FORMATS = ["auto", "text", "json", "journal"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
export type ResolvedLogFormat = Exclude<LogFormat, "auto">;
export type LogLevel = "error" | "warn" | "info";

/** One line's worth of the daemon's log. */
export interface LogRecord {
  ts: number;
  level: LogLevel;
  message: string;
  event?: EventRecord;
}

/** sd-daemon(3) priorities: SD_ERR, SD_WARNING, SD_INFO. */
const JOURNAL_PRIORITY: Record<LogLevel, number> = { error: 3, warn: 4, info: 6 };

/** `auto` resolved: journal when `journalStream` ("dev:ino") names stderr (`stderrId`). */
export function resolveLogFormat(
  requested: LogFormat,
  journalStream: string | undefined,
  stderrId: { dev: bigint; ino: bigint } | null,
): ResolvedLogFormat {
  if (requested !== "auto") return requested;
  if (journalStream === undefined || stderrId === null) return "text";
  const match = /^(\d+):(\d+)$/.exec(journalStream.trim());
  if (match === null) return "text";
  return BigInt(match[1]!) === stderrId.dev && BigInt(match[2]!) === stderrId.ino ? "journal" : "text";
}

/** The record as its line(s), each ending in a newline; a multi-line message stays together. */
export function formatRecord(format: ResolvedLogFormat, record: LogRecord): string {
  const message = record.message;
  if (format === "json") return `${JSON.stringify(jsonOf(record, message))}\n`;
  const lines = message.split("\n");
  if (format === "journal") {
    const prefix = `<${JOURNAL_PRIORITY[record.level]}>`;
    return lines.map((line) => `${prefix}${line}\n`).join("");
  }
  const prefix = `${new Date(record.ts).toISOString()} ${record.level.padEnd(5)} `;
  return lines.map((line) => `${prefix}${line}\n`).join("");
}

function jsonOf(record: LogRecord, message: string): Record<string, unknown> {
  const json: Record<string, unknown> = {
    ts: new Date(record.ts).toISOString(),
    level: record.level,
    msg: message,
  };
  const e = record.event;
  if (e === undefined) return json;
  // An event's fields stand on their own: msg is its reason, as `upkeep events --json` has it.
  return {
    ...json,
    msg: e.reason,
    service: e.service,
    kind: e.kind,
    from: e.from,
    to: e.to,
    event_id: e.id,
    ...(Object.keys(e.details).length > 0 ? { details: e.details } : {}),
  };
}

/** An event as a log record: `web stopped → starting: start requested`. */
export function recordOfEvent(e: EventRecord): LogRecord {
  const change = e.kind === "state" && e.from !== e.to ? `${e.from} → ${e.to}: ` : `${e.kind}: `;
  return {
    ts: e.ts,
    level: levelOfEvent(e),
    message: `${e.service ?? "daemon"} ${change}${e.reason}`,
    event: e,
  };
}

/** Failures that need a person are errors; what upkeep recovers from by itself is a warning. */
export function levelOfEvent(e: EventRecord): LogLevel {
  switch (e.kind) {
    case "failed":
    case "reload_failed":
    case "log_dropped":
      return "error";
    case "crash":
    case "stale":
    case "unhealthy":
    case "limit":
    case "notify_failed":
    case "notify_dropped":
      return "warn";
    case "state":
      if (e.to === "failed") return "error";
      return e.to === "backoff" ? "warn" : "info";
    case "exit":
    case "spawn":
    case "adopted":
    case "action":
    case "config":
    case "daemon":
    case "recovered":
      return "info";
  }
}
