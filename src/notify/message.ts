/**
 * The message, written for a person woken at 3 a.m.: which host and service, what happened,
 * since when, restarts so far, the last lines of output and the commands to look closer. Pure:
 * the caller gathers the facts (and the output lines) and gets subject, text and the JSON the
 * channels send (docs/notify.md, "The message").
 */
import { formatDuration } from "../core/duration.js";
import type { NotifyKind } from "../config/notify-model.js";
import type { EventRecord } from "../store/store.js";
import type { Story } from "./storm.js";

/** What the daemon knows about the service when the message is written. */
export interface ServiceFacts {
  state: string;
  pid: number | null;
  restarts: number;
  lastExitCode: number | null;
  lastSignal: string | null;
  since: number;
  reason: string;
}

export interface MessageInput {
  /** Stable id of the message (outbox ids and Message-IDs derive from it). */
  id: string;
  host: string;
  service: string | null;
  kind: NotifyKind | "test";
  time: number;
  event: EventRecord | null;
  facts: ServiceFacts | null;
  /** Events of this kind held back by min_interval and told by this message. */
  folded: number;
  /** How many events this message tells in all: `folded`, plus its own event when it has one. */
  events: number;
  foldedSince: number | null;
  minIntervalMs: number;
  story: Story | null;
  lastLines: string[];
  /** Why there are no lines (no output captured yet, unreadable logs), when there are none. */
  lastLinesNote: string | null;
  configFile: string;
  /**
   * The crash record of this event, once incidents are recorded (`upkeep incident ID`); null
   * until then. The place where the message names it is kept ready below.
   */
  incident: { id: string } | null;
}

export interface NotifyMessage {
  id: string;
  subject: string;
  text: string;
  /** The JSON that exec gets on stdin and a webhook in its body. */
  payload: Record<string, unknown>;
}

const SHORT_REASON = 100;

function quoteArg(text: string): string {
  return /^[A-Za-z0-9_./@:=+-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

function clock(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

function exitOf(facts: ServiceFacts | null): string | null {
  if (facts === null) return null;
  if (facts.lastSignal !== null) return `killed by ${facts.lastSignal}`;
  if (facts.lastExitCode !== null) return `exit ${facts.lastExitCode}`;
  return null;
}

function shorten(text: string): string {
  return text.length <= SHORT_REASON ? text : `${text.slice(0, SHORT_REASON - 1)}…`;
}

const plural = (n: number, word: string): string =>
  `${n} ${word}${n === 1 ? "" : /(s|sh|ch|x)$/.test(word) ? "es" : "s"}`;

/** "5 restarts in 2m" (the story's span) or "5 restarts so far". */
function restartsPart(input: MessageInput): string {
  const restarts = plural(input.facts?.restarts ?? 0, "restart");
  const span = input.story === null ? 0 : input.time - input.story.openedAt;
  return span >= 1000
    ? `${restarts} in ${formatDuration(Math.round(span / 1000) * 1000)}`
    : `${restarts} so far`;
}

/** What happened, in a few words for the subject line. */
function headline(input: MessageInput): string {
  const exit = exitOf(input.facts);
  const exitPart = exit === null ? "" : ` (${exit})`;
  const reason = shorten(input.event?.reason ?? "");
  switch (input.kind) {
    case "crash": {
      const times = input.folded > 0 ? ` ${plural(input.folded, "more time")}` : "";
      return `crashed${times}${exitPart}, ${restartsPart(input)}`;
    }
    case "failed":
      return `failed${exitPart}, ${restartsPart(input)}`;
    case "recovered": {
      const story = input.story;
      if (story !== null && story.crashes > 0)
        return `recovered after ${plural(story.crashes, "crash")} in ${formatDuration(Math.max(1000, Math.round((input.time - story.openedAt) / 1000) * 1000))}`;
      return `recovered: ${reason}`;
    }
    case "test":
      return "test message";
    case "unhealthy":
    case "stale":
    case "limit":
    case "reload_failed":
    case "log_dropped": {
      const more = input.folded > 0 ? ` (and ${plural(input.folded, "more event")})` : "";
      return `${input.kind.replace("_", " ")}: ${reason}${more}`;
    }
  }
}

function commandsFor(input: MessageInput): string[] {
  const base = `upkeep --config ${quoteArg(input.configFile)}`;
  if (input.service === null) return [`${base} status`, `${base} events -n 50`];
  const name = quoteArg(input.service);
  const commands = [
    `${base} status ${name}`,
    `${base} logs ${name} -n 100 --timestamps`,
    `${base} events ${name} -n 50`,
  ];
  if (input.incident !== null) commands.unshift(`${base} incident ${quoteArg(input.incident.id)}`);
  return commands;
}

/** Subject, text and JSON payload of one message. */
export function composeMessage(input: MessageInput): NotifyMessage {
  const who = input.service === null ? `upkeep on ${input.host}` : `${input.service} on ${input.host}`;
  const subject = `[upkeep] ${who}: ${headline(input)}`;
  const facts = input.facts;
  const rows: [string, string][] = [];
  rows.push([
    "what happened",
    input.kind === "test" ? "a test message (upkeep notify test)" : (input.event?.reason ?? input.kind),
  ]);
  rows.push(["when", clock(input.time)]);
  if (facts !== null) {
    const pid = facts.pid === null ? "" : `, PID ${facts.pid}`;
    rows.push(["state now", `${facts.state}${pid} since ${clock(facts.since)}: ${shorten(facts.reason)}`]);
    rows.push(["restarts", `${facts.restarts} so far`]);
  }
  if (input.story !== null) {
    const ago = formatDuration(Math.max(0, Math.round((input.time - input.story.openedAt) / 1000) * 1000));
    const crashes = input.story.crashes > 0 ? `, ${plural(input.story.crashes, "crash")} since then` : "";
    rows.push(["trouble since", `${clock(input.story.openedAt)} (${ago} ago)${crashes}`]);
  }
  if (input.folded > 0) {
    const since = input.foldedSince === null ? "" : ` since ${clock(input.foldedSince)}`;
    rows.push([
      "folded",
      `${plural(input.folded, `more ${input.kind} event`)}${since}, held back by min_interval ${formatDuration(input.minIntervalMs)}`,
    ]);
  }
  if (input.incident !== null) rows.push(["incident", input.incident.id]);
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = [`${who}: ${headline(input)}`, "", ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`), ""];
  if (input.service !== null) {
    if (input.lastLines.length > 0) {
      lines.push(`Last ${plural(input.lastLines.length, "line")} of output (stdout and stderr):`);
      for (const line of input.lastLines) lines.push(`  | ${line}`);
    } else lines.push(`Output: ${input.lastLinesNote ?? "none captured"}`);
    lines.push("");
  }
  const commands = commandsFor(input);
  lines.push("To look closer:", ...commands.map((c) => `  ${c}`), "");
  const payload: Record<string, unknown> = {
    id: input.id,
    host: input.host,
    service: input.service,
    kind: input.kind,
    subject,
    text: lines.join("\n"),
    time: new Date(input.time).toISOString(),
    state: facts?.state ?? null,
    pid: facts?.pid ?? null,
    restarts: facts?.restarts ?? null,
    exit_code: facts?.lastExitCode ?? null,
    signal: facts?.lastSignal ?? null,
    folded: input.folded,
    events: input.events,
    trouble_since: input.story === null ? null : new Date(input.story.openedAt).toISOString(),
    crashes: input.story?.crashes ?? 0,
    last_lines: input.lastLines,
    commands,
    incident: input.incident,
    event:
      input.event === null
        ? null
        : {
            id: input.event.id,
            kind: input.event.kind,
            from: input.event.from,
            to: input.event.to,
            reason: input.event.reason,
          },
  };
  return { id: input.id, subject, text: lines.join("\n"), payload };
}
