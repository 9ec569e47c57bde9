import type { IncomingMessage, ServerResponse } from "node:http";
import { reloadConfig } from "../../supervisor/apply-config.js";
import type { ApiContext } from "../app.js";
import { readJsonBody, sendJson } from "../http-io.js";

/** POST /api/v1/reload-config {dry_run}: the plan, applied unless dry_run. */
export async function handleReloadConfig(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const body = await readJsonBody(req);
  const result = await reloadConfig(ctx.supervisor, { dryRun: body["dry_run"] === true });
  sendJson(res, 200, result);
}

/** POST /api/v1/shutdown: answer first, then stop every service and exit. */
export function handleShutdown(ctx: ApiContext, _req: IncomingMessage, res: ServerResponse): void {
  sendJson(res, 200, { ok: true });
  ctx.requestShutdown();
}
