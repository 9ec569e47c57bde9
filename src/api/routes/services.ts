import type { IncomingMessage, ServerResponse } from "node:http";
import { selectRunners } from "../../supervisor/actions.js";
import type { ServiceRunner } from "../../service/runner.js";
import type { ApiContext } from "../app.js";
import { sendJson } from "../http-io.js";
import { serializeDaemon, serializeService } from "../serialize.js";
import { followStatus } from "../status-follower.js";
import type { StatusJson } from "../wire.js";

/** GET /api/v1/status: the daemon and every service; with ?follow=1 a live stream of changes. */
export function handleStatus(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, url: URL): void {
  if (url.searchParams.get("follow") === "1") return followStatus(ctx.supervisor, req, res);
  const now = Date.now();
  const { supervisor } = ctx;
  const body: StatusJson = {
    daemon: serializeDaemon(supervisor),
    services: [...supervisor.runners.values()].map((r) => serializeService(supervisor, r, now)),
  };
  sendJson(res, 200, body);
}

/** GET /api/v1/services/NAME: one service (404 SERVICE_UNKNOWN with the known names). */
export function handleService(
  ctx: ApiContext,
  _req: IncomingMessage,
  res: ServerResponse,
  _url: URL,
  [name]: string[],
): void {
  sendJson(res, 200, serializeService(ctx.supervisor, runnerNamed(ctx, name), Date.now()));
}

/** The runner of a URL's NAME: an exact name, else the first instance `name@*`; an unknown name throws SERVICE_UNKNOWN. */
export function runnerNamed(ctx: ApiContext, name: string | undefined): ServiceRunner {
  return ctx.supervisor.runners.get(name ?? "") ?? selectRunners(ctx.supervisor, [name ?? ""], false)[0]!;
}
