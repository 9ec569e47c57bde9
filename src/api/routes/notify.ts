import type { IncomingMessage, ServerResponse } from "node:http";
import { UpkeepError } from "../../core/errors.js";
import { sendTestMessage } from "../../notify/test-message.js";
import type { ApiContext } from "../app.js";
import { readJsonBody, sendJson } from "../http-io.js";
import type { NotifyOutboxJson, NotifyTestResponseJson } from "../wire.js";

function notifierOf(ctx: ApiContext): NonNullable<ApiContext["notify"]> {
  if (ctx.notify) return ctx.notify;
  throw new UpkeepError("INTERNAL", "this daemon runs without notifications");
}

/** POST /api/v1/notify/test {name?}: a test message through every channel; one result each. */
export async function handleNotifyTest(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const body = await readJsonBody(req);
  const name = body["name"] ?? null;
  if (name !== null && typeof name !== "string") {
    throw new UpkeepError("API_BAD_REQUEST", "field 'name' must be a service name or null", {
      details: { keyPath: "name", got: JSON.stringify(name) },
    });
  }
  const { notifier, deps } = notifierOf(ctx);
  const results = await sendTestMessage(notifier, deps, name);
  const response: NotifyTestResponseJson = { service: name, results };
  sendJson(res, 200, response);
}

/** GET /api/v1/notify/outbox: the notifications waiting to be delivered (no message text). */
export function handleNotifyOutbox(ctx: ApiContext, _req: IncomingMessage, res: ServerResponse): void {
  const { notifier } = notifierOf(ctx);
  const response: NotifyOutboxJson = {
    pending: notifier.queue.list().map((r) => ({
      id: r.id,
      channel: r.channel,
      service: r.service,
      kind: r.kind,
      created_at: new Date(r.createdAt).toISOString(),
      attempts: r.attempts,
      next_at: new Date(r.nextAt).toISOString(),
      last_error: r.lastError,
    })),
  };
  sendJson(res, 200, response);
}
