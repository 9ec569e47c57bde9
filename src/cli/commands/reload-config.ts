/**
 * `upkeep reload-config [--dry-run] [--json]`: the daemon re-reads its config and applies the
 * difference; --dry-run prints the plan and changes nothing. A bad config comes back as a 400
 * whose details list the problems, printed by main.ts (exit 2).
 */
import type { ReloadConfigResponseJson } from "../../api/wire.js";
import type { ParsedCommand } from "../command-spec.js";
import { requestJson } from "../client.js";
import type { CliIo } from "../io.js";
import { renderConfigPlan } from "../render/config-plan.js";
import { endpointFor, resolveTarget } from "../target.js";

/** Asks for the reload (or its plan) and prints the plan. */
export async function run(command: ParsedCommand, io: CliIo): Promise<number> {
  const endpoint = endpointFor(resolveTarget(command.globals, io.env, io.cwd));
  const dryRun = command.flags.dryRun === true;
  const response = await requestJson<ReloadConfigResponseJson>(endpoint, "POST", "/api/v1/reload-config", {
    dry_run: dryRun,
  });
  if (command.flags.json === true) io.stdout.write(`${JSON.stringify(response)}\n`);
  else io.stdout.write(renderConfigPlan(response.plan, !dryRun));
  return 0;
}
