import type { IncomingMessage, ServerResponse } from "node:http";
import { UpkeepError } from "../../core/errors.js";
import type { EventRecord } from "../../store/store.js";
import type { ApiContext } from "../app.js";
import { sendJson } from "../http-io.js";
import { serializeEvent } from "../serialize.js";

/**
 * GET /api/v1/events?service=&n=&after=[&follow=1]: the newest n events, oldest first; with
 * follow, a text/event-stream of those and then every new one (snapshot then live: the
 * subscription starts before the snapshot is read, and ids already sent are skipped).
 */
export async function handleEvents(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const service = url.searchParams.get("service") ?? undefined;
  const nText = url.searchParams.get("n") ?? "50";
  const limit = Number(nText);
  if (!Number.isInteger(limit) || limit < 0) {
    throw new UpkeepError("API_BAD_REQUEST", `query field 'n' must be a whole number ≥ 0, got '${nText}'`);
  }
  const matches = (e: EventRecord): boolean =>
    service === undefined || e.service === service || (e.service ?? "").startsWith(`${service}@`);
  const query = { ...(service !== undefined ? { service } : {}), limit };
  if (url.searchParams.get("follow") !== "1") {
    const events = await ctx.supervisor.store.listEvents(query);
    sendJson(res, 200, { events: events.map(serializeEvent) });
    return;
  }
  const pending: EventRecord[] = [];
  let lastId = 0;
  let live = false;
  const write = (e: EventRecord): void => {
    if (e.id <= lastId || !matches(e)) return;
    lastId = e.id;
    res.write(`data: ${JSON.stringify(serializeEvent(e))}\n\n`);
  };
  const unsubscribe = ctx.supervisor.bus.subscribe((e) => (live ? write(e) : pending.push(e)));
  req.on("close", unsubscribe);
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  // Send the headers now: with n=0 on a quiet daemon nothing else would, and the client would wait.
  res.flushHeaders();
  for (const e of await ctx.supervisor.store.listEvents(query)) write(e);
  for (const e of pending) write(e);
  live = true;
}
