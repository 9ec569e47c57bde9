import type { IncomingMessage, ServerResponse } from "node:http";
import { refuseLeavingAsPid1 } from "../../supervisor/leave-running.js";
import { reloadConfig } from "../../supervisor/apply-config.js";
import { UpkeepError } from "../../core/errors.js";
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

/**
 * POST /api/v1/shutdown {leave_running}: answer first, then stop every service and exit; with
 * leave_running, exit only (refused as PID 1: the kernel kills the namespace with it).
 */
export async function handleShutdown(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const body = await readJsonBody(req);
  const leave = body["leave_running"];
  if (leave !== undefined && typeof leave !== "boolean") {
    throw new UpkeepError(
      "API_BAD_REQUEST",
      `leave_running must be true or false (got ${JSON.stringify(leave)})`,
    );
  }
  const leaveRunning = leave === true;
  if (leaveRunning) refuseLeavingAsPid1();
  sendJson(res, 200, { ok: true, leave_running: leaveRunning });
  ctx.requestShutdown({ leaveRunning });
}
