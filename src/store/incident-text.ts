/**
 * An incident in words, for everything that tells an operator about one: the CLI, the API's
 * listing, and notification messages. Pure functions of the record.
 */
import type { IncidentKind, IncidentLine, NewIncident } from "./incident-record.js";
import { formatDuration } from "../core/duration.js";

const KIND_WORDS: Record<IncidentKind, string> = {
  crash: "crashed",
  failed_start: "failed to start",
  not_ready: "not ready in time",
  unhealthy: "restarted: unhealthy",
  limit: "restarted: over its limits",
};

/** How the run ended, in a few words: "killed by SIGSEGV", "exited with code 3". */
export function describeEnd(incident: Pick<NewIncident, "exitCode" | "signal" | "pid">): string | null {
  if (incident.signal !== null) return `killed by ${incident.signal}`;
  if (incident.exitCode !== null) return `exited with code ${incident.exitCode}`;
  return null;
}

/**
 * The one-line summary: "web crashed: killed by SIGKILL after 3m12s (PID 4242)". `what` says
 * what went wrong where the end says too little (a failed start's error, a watch's verdict);
 * without it, the machine's reason.
 */
export function summarizeIncident(
  incident: Pick<
    NewIncident,
    "service" | "kind" | "exitCode" | "signal" | "pid" | "durationMs" | "reason"
  > & {
    what?: string | null;
  },
): string {
  const end = incident.kind === "crash" ? describeEnd(incident) : null;
  let what = end ?? shorten(incident.what ?? incident.reason, 160);
  if (incident.durationMs !== null) what += ` after ${describeRunTime(incident.durationMs)}`;
  if (incident.pid !== null) what += ` (PID ${incident.pid})`;
  return `${incident.service} ${KIND_WORDS[incident.kind]}: ${what}`;
}

/** The last `n` output lines as text, one per line, with the stream ("err |") in front. */
export function lastOutputLines(incident: Pick<NewIncident, "output">, n: number): string[] {
  return incident.output.slice(Math.max(0, incident.output.length - n)).map(formatIncidentLine);
}

/**
 * An incident as a short plain-text message (a notification's body): the summary, the reason,
 * and its last `lines` output lines. Control characters are left as they are: a sender that
 * writes to a terminal escapes them (src/cli/render/incident.ts).
 */
export function describeIncidentBriefly(
  incident: Pick<NewIncident, "summary" | "reason" | "output" | "ts"> & { id: number | null },
  lines: number,
): string {
  const head = [
    incident.summary,
    `at ${new Date(incident.ts).toISOString()}${incident.id === null ? "" : ` (upkeep incident ${incident.id})`}`,
    `reason: ${incident.reason}`,
  ];
  const tail = lastOutputLines(incident, lines);
  const body = tail.length === 0 ? ["(no output)"] : [`last ${tail.length} output lines:`, ...tail];
  return `${[...head, "", ...body].join("\n")}\n`;
}

/** One output line as the CLI and messages show it: "12:03:04.123 err | text". */
export function formatIncidentLine(line: IncidentLine): string {
  const time = new Date(line.ts).toISOString().slice(11, 23);
  return `${time} ${line.stream.padEnd(7)}| ${line.text}`;
}

/** A run's length to the millisecond below a second, to the second above. */
export function describeRunTime(ms: number): string {
  const positive = Math.max(0, ms);
  return formatDuration(positive < 1000 ? positive : Math.round(positive / 1000) * 1000);
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
