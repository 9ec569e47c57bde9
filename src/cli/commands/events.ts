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

/** The query path for these options. */
export function eventsPath(service: string | undefined, n: number, follow: boolean): string {
  const query = new URLSearchParams();
  if (service !== undefined) query.set("service", service);
  query.set("n", String(n));
  if (follow) query.set("follow", "1");
  return `/api/v1/events?${query.toString()}`;
}

async function follow(endpoint: Endpoint, path: string, json: boolean, io: CliIo): Promise<number> {
  const widths = eventWidths([]);
  if (!json) io.stdout.write(renderEventsHeader(widths));
  const feed = createSseParser((data) => {
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
  });
  const signal = io.interruptSignal();
  const stream = await openStream(endpoint, path, feed);
  const onAbort = (): void => stream.close();
  if (signal.aborted) onAbort();
  signal.addEventListener("abort", onAbort, { once: true });
  const how = await stream.ended;
  signal.removeEventListener("abort", onAbort);
  if (how === "closed-by-us") return 0;
  throw new UpkeepError(
    "DAEMON_SHUTTING_DOWN",
    "the daemon ended the event stream (it stopped or restarted)",
    {
      hint: "check it with: upkeep status",
    },
  );
}

/** Prints the last N events (and follows them with -f). */
export async function run(command: ParsedCommand, io: CliIo): Promise<number> {
  const endpoint = endpointFor(resolveTarget(command.globals, io.env, io.cwd));
  const n = typeof command.flags.lines === "number" ? command.flags.lines : DEFAULT_EVENTS;
  const service = command.positionals[0];
  const json = command.flags.json === true;
  if (command.flags.follow === true) return follow(endpoint, eventsPath(service, n, true), json, io);
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
