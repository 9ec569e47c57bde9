/** GET /api/v1/check: the full health picture of SPEC §5, run by the daemon on its live state. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { inputFromRunners } from "../../check/inputs.js";
import { runCheck } from "../../check/run-check.js";
import type { ApiContext } from "../app.js";
import { sendJson } from "../http-io.js";

export async function handleCheck(
  ctx: ApiContext,
  _req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const { supervisor } = ctx;
  const records = await supervisor.store.listProcesses();
  const input = inputFromRunners(supervisor.runners.values(), records, supervisor.config.stateDir, (name) =>
    supervisor.healthWatch.probeOf(name),
  );
  sendJson(
    res,
    200,
    runCheck({
      ...input,
      store: supervisor.store.health(),
      storeProblem: supervisor.storeHealth?.refresh() ?? null,
    }),
  );
}
