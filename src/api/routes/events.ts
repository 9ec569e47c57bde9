import type { IncomingMessage, ServerResponse } from "node:http";
import { readQueryCount } from "../query-count.js";
import { UpkeepError } from "../../core/errors.js";
import type { ApiContext } from "../app.js";
import { sendJson } from "../http-io.js";
import { assertServiceName } from "../service-name.js";
import { followEvents } from "../event-follower.js";
import { serializeEvent } from "../serialize.js";

/**
 * GET /api/v1/events?service=&n=[&follow=1[&after=ID]]: the newest n events, oldest first; with
 * follow, a text/event-stream of those and then every new one (event-follower.ts); with a
 * resume id (`after`, or the `Last-Event-ID` header) every event after it instead of the newest n.
 */
/** The most events one answer holds (`n`). */
export const MAX_EVENTS_PER_REQUEST = 50_000;

export async function handleEvents(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const service = url.searchParams.get("service") ?? undefined;
  if (service !== undefined) assertServiceName(service, "query field 'service'");
  // Bounded: every event asked for is read and serialized in one answer (n=10⁹ of a long
  // crash loop's store would hold hundreds of MB in the daemon for one request).
  const limit = readQueryCount(url, "n", 50, MAX_EVENTS_PER_REQUEST);
  const query = { ...(service !== undefined ? { service } : {}), limit };
  if (url.searchParams.get("follow") !== "1") {
    const events = await ctx.supervisor.store.listEvents(query);
    sendJson(res, 200, { events: events.map(serializeEvent) });
    return;
  }
  const afterId = resumeId(req, url);
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  // Send the headers now: with n=0 on a quiet daemon nothing else would, and the client would wait.
  res.flushHeaders();
  await followEvents(res, {
    store: ctx.supervisor.store,
    bus: ctx.supervisor.bus,
    service,
    afterId,
    limit,
  });
}

/** The largest id `after` and Last-Event-ID take (15 digits: always a safe integer). */
const MAX_ID_TEXT = "999999999999999";

/** Where a follower resumes: the `Last-Event-ID` header (EventSource) or `?after=` (the CLI). */
function resumeId(req: IncomingMessage, url: URL): number | null {
  const header = req.headers["last-event-id"];
  const text = typeof header === "string" && header !== "" ? header : url.searchParams.get("after");
  if (text === null) return null;
  const id = /^\d{1,15}$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(id)) {
    throw new UpkeepError(
      "API_BAD_REQUEST",
      `the event id to resume after must be a whole number from 0 to ${MAX_ID_TEXT}, got '${text.slice(0, 100)}'`,
      { hint: "send the id of the last event received, as the stream's `id:` lines give it" },
    );
  }
  return id;
}
