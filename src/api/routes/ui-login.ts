/**
 * POST /api/v1/ui/login: a one-time dashboard login link (`upkeep ui`). Taken over the control
 * socket or with the bearer token only (http-front.ts refuses it to a session), so only whoever
 * may already do everything can make one.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { UpkeepError } from "../../core/errors.js";
import type { ApiContext } from "../app.js";
import { sendJson } from "../http-io.js";

export function handleUiLogin(ctx: ApiContext, _req: IncomingMessage, res: ServerResponse): void {
  const dashboard = ctx.dashboard;
  if (dashboard === undefined || dashboard === null) {
    const off = !ctx.supervisor.config.http.enabled;
    throw new UpkeepError(
      "HTTP_UNAVAILABLE",
      off ? "the dashboard is off: the config says http: false" : "the daemon's HTTP listener is not running",
      {
        hint: off
          ? "remove `http: false` from the config (or set http: { listen: 127.0.0.1:9900 }), then restart the daemon"
          : "the daemon said why when it started (upkeep events -n 20 shows it); fix that, then restart the daemon",
      },
    );
  }
  const login = dashboard.issueLogin(Date.now());
  sendJson(res, 200, { url: login.url, expires_at: new Date(login.expiresAt).toISOString() });
}
