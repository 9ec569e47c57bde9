/**
 * `upkeep events [NAME] [-n N] [-f] [--json]`: the event timeline, oldest first. With -f it
 * keeps printing live events (server-sent events from the daemon) until Ctrl-C.
 */
import type { EventJson } from "../../api/wire.js";
import { UpkeepError } from "../../core/errors.js";
import type { ParsedCommand } from "../command-spec.js";
import { openStream, requestJson, type Endpoint } from "../client.js";
import { writeLine, type CliIo } from "../io.js";
import { eventWidths, renderEventRow, renderEventsHeader } from "../render/events-table.js";
import { createSseParser } from "../sse-parser.js";
import { endpointFor, resolveTarget } from "../target.js";

const DEFAULT_EVENTS = 20;

/** The query path for these options (`after`: resume after this event id, for a follower). */
export function eventsPath(service: string | undefined, n: number, follow: boolean, after?: number): string {
  const query = new URLSearchParams();
  if (service !== undefined) query.set("service", service);
  query.set("n", String(n));
  if (follow) query.set("follow", "1");
  if (after !== undefined) query.set("after", String(after));
  return `/api/v1/events?${query.toString()}`;
}

/**
 * Print events as they come. A follower the daemon dropped for not keeping up (its output
 * paused, as in `upkeep events -f | less`) gets a final `dropped` event; it then reconnects
 * with the last id it received and misses nothing.
 */
async function follow(
  endpoint: Endpoint,
  service: string | undefined,
  n: number,
  json: boolean,
  io: CliIo,
): Promise<number> {
  const widths = eventWidths([]);
  if (!json) io.stdout.write(renderEventsHeader(widths));
  let after: number | undefined;
  const print = (data: string): void => {
    let event: EventJson;
    try {
      event = JSON.parse(data) as EventJson;
    } catch (err) {
      writeLine(
        io.stderr,
        `upkeep: skipped an event that is not JSON (${String(err)}): ${data.slice(0, 200)}`,
      );
      return;
    }
    if (json) {
      writeLine(io.stdout, JSON.stringify(event));
      return;
    }
    // Columns only grow while following, so earlier rows stay as they were printed.
    eventWidths([event]).forEach((w, i) => (widths[i] = Math.max(widths[i] ?? 0, w)));
    io.stdout.write(renderEventRow(event, widths));
  };
  const signal = io.interruptSignal();
  for (;;) {
    let dropped: string | null = null;
    const feed = createSseParser((data, fields) => {
      if (fields.event === "dropped") {
        dropped = data;
        return;
      }
      if (fields.id !== null && /^\d+$/.test(fields.id)) after = Number(fields.id);
      print(data);
    });
    const stream = await openStream(endpoint, eventsPath(service, n, true, after), feed);
    const onAbort = (): void => stream.close();
    if (signal.aborted) onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    const how = await stream.ended;
    signal.removeEventListener("abort", onAbort);
    if (how === "closed-by-us") return 0;
    if (dropped === null) break;
    writeLine(io.stderr, `upkeep: ${dropReason(dropped)}; resuming after event ${after ?? 0}`);
  }
  throw new UpkeepError(
    "DAEMON_SHUTTING_DOWN",
    "the daemon ended the event stream (it stopped or restarted)",
    {
      hint: "check it with: upkeep status",
    },
  );
}

function dropReason(data: string): string {
  try {
    const reason = (JSON.parse(data) as { reason?: unknown }).reason;
    if (typeof reason === "string") return `the daemon dropped this follower: ${reason}`;
  } catch (err) {
    void err; // not JSON: the generic wording below says enough
  }
  return "the daemon dropped this follower";
}

/** Prints the last N events (and follows them with -f). */
export async function run(command: ParsedCommand, io: CliIo): Promise<number> {
  const endpoint = endpointFor(resolveTarget(command.globals, io.env, io.cwd));
  const n = typeof command.flags.lines === "number" ? command.flags.lines : DEFAULT_EVENTS;
  const service = command.positionals[0];
  const json = command.flags.json === true;
  if (command.flags.follow === true) return follow(endpoint, service, n, json, io);
  const { events } = await requestJson<{ events: EventJson[] }>(
    endpoint,
    "GET",
    eventsPath(service, n, false),
  );
  if (json) {
    for (const event of events) writeLine(io.stdout, JSON.stringify(event));
    return 0;
  }
  if (events.length === 0) {
    writeLine(io.stdout, service === undefined ? "no events yet" : `no events for ${service} yet`);
    return 0;
  }
  const widths = eventWidths(events);
  let out = renderEventsHeader(widths);
  for (const event of events) out += renderEventRow(event, widths);
  io.stdout.write(out);
  return 0;
}
