/**
 * `upkeep start|stop|restart|reload|reset NAME…|--all [--force] [--json]`: asks the daemon to
 * act and waits for each service's result. Exit 1 when any result is not ok.
 */
import { ACTIONS, type Action, type ActionRequestJson, type ActionResponseJson } from "../../api/wire.js";
import { UpkeepError } from "../../core/errors.js";
import type { ParsedCommand } from "../command-spec.js";
import { requestJson, type Endpoint } from "../client.js";
import { writeLine, type CliIo } from "../io.js";
import { toServiceResult, writeFailedRequestJson, writeResultsJson } from "../render/action-results.js";
import { endpointFor, resolveTarget } from "../target.js";

function actionOf(name: string): Action {
  const action = ACTIONS.find((a) => a === name);
  if (!action)
    throw new UpkeepError(
      "INTERNAL",
      `the command '${name}' is not an action (valid: ${ACTIONS.join(", ")})`,
    );
  return action;
}

/** The request body for this command line. */
export function actionRequest(command: ParsedCommand): ActionRequestJson {
  return {
    action: actionOf(command.spec.name),
    ...(command.flags.all === true ? { all: true } : { names: command.positionals }),
    ...(command.flags.force === true ? { force: true } : {}),
  };
}

/**
 * Sends the action, prints one line per result (failures with their hint on stderr), or with
 * --json one document of per-service results (docs/cli/start.md, "JSON").
 */
export async function run(command: ParsedCommand, io: CliIo): Promise<number> {
  const endpoint = endpointFor(resolveTarget(command.globals, io.env, io.cwd));
  const body = actionRequest(command);
  if (command.flags.json === true) return runJson(endpoint, body, io);
  const response = await requestJson<ActionResponseJson>(endpoint, "POST", "/api/v1/actions", body);
  if (response.results.length === 0) {
    writeLine(io.stdout, `no services to ${body.action}`);
    return 0;
  }
  let failed = false;
  for (const result of response.results) {
    if (result.ok) {
      writeLine(io.stdout, result.message);
    } else {
      failed = true;
      writeLine(io.stderr, result.message);
    }
    if (result.hint) writeLine(result.ok ? io.stdout : io.stderr, `  hint: ${result.hint}`);
  }
  return failed ? 1 : 0;
}

/** --json: the per-service results on stdout; the exit codes are those of the lines above. */
async function runJson(endpoint: Endpoint, body: ActionRequestJson, io: CliIo): Promise<number> {
  let response: ActionResponseJson;
  try {
    response = await requestJson<ActionResponseJson>(endpoint, "POST", "/api/v1/actions", body);
  } catch (err) {
    writeFailedRequestJson(io.stdout, err);
    throw err;
  }
  const results = response.results.map((r) => toServiceResult(body.action, r));
  writeResultsJson(io.stdout, { results });
  return results.every((r) => r.ok) ? 0 : 1;
}
