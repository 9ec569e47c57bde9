import type { IncomingMessage, ServerResponse } from "node:http";
import { UpkeepError } from "../../core/errors.js";
import {
  OPERATOR_ACTIONS,
  performActions,
  selectRunners,
  type OperatorAction,
} from "../../supervisor/actions.js";
import type { ApiContext } from "../app.js";
import { readJsonBody, sendJson } from "../http-io.js";
import { assertServiceName } from "../service-name.js";
import type { ActionResponseJson } from "../wire.js";

/** POST /api/v1/actions {action, names, all, force}: act on each service, wait, report each. */
export async function handleActions(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const body = await readJsonBody(req);
  const action = body["action"];
  if (typeof action !== "string" || !(OPERATOR_ACTIONS as readonly string[]).includes(action)) {
    throw new UpkeepError(
      "API_BAD_REQUEST",
      `field 'action' must be one of: ${OPERATOR_ACTIONS.join(", ")}`,
      {
        details: { keyPath: "action", got: JSON.stringify(action) },
      },
    );
  }
  const names = body["names"] ?? [];
  if (!Array.isArray(names) || !names.every((n): n is string => typeof n === "string")) {
    throw new UpkeepError("API_BAD_REQUEST", "field 'names' must be a list of service names", {
      details: { keyPath: "names" },
    });
  }
  for (const name of names) assertServiceName(name, "field 'names'");
  const all = body["all"] === true;
  if (!all && names.length === 0) {
    throw new UpkeepError("API_BAD_REQUEST", "name at least one service in 'names', or set 'all': true");
  }
  if (ctx.supervisor.shuttingDown) {
    throw new UpkeepError("DAEMON_SHUTTING_DOWN", "the daemon is shutting down and takes no actions");
  }
  // `force` (body or ?force=1) matters only where identity cannot be proven (forking and
  // external services); it is accepted for all so clients need not know which those are.
  const force = body["force"] === true || url.searchParams.get("force") === "1";
  const runners = selectRunners(ctx.supervisor, names, all);
  const results = await performActions(ctx.supervisor, runners, action as OperatorAction, force, all);
  const response: ActionResponseJson = { results };
  sendJson(res, 200, response);
}
