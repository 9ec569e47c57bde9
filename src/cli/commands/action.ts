/**
 * `upkeep start|stop|restart|reload|reset NAME…|--all [--force]`: asks the daemon to act and
 * waits for each service's result. Exit 1 when any result is not ok.
 */
import { ACTIONS, type Action, type ActionRequestJson, type ActionResponseJson } from "../../api/wire.js";
import { UpkeepError } from "../../core/errors.js";
import type { ParsedCommand } from "../command-spec.js";
import { requestJson } from "../client.js";
import { writeLine, type CliIo } from "../io.js";
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

/** Sends the action, prints one line per result (failures with their hint on stderr). */
export async function run(command: ParsedCommand, io: CliIo): Promise<number> {
  const endpoint = endpointFor(resolveTarget(command.globals, io.env, io.cwd));
  const body = actionRequest(command);
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
