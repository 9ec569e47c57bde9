/**
 * `upkeep incident ID [--json]`: one incident whole: what happened, its last output lines, the
 * process tree as last sampled and the host snapshot. From the daemon, or from the state store
 * when no daemon runs.
 */
import { UpkeepError } from "../../core/errors.js";
import type { ParsedCommand } from "../command-spec.js";
import { fetchIncident } from "../incident-source.js";
import { writeLine, type CliIo } from "../io.js";

export async function run(command: ParsedCommand, io: CliIo): Promise<number> {
  const text = command.positionals[0] ?? "";
  const id = /^\d{1,15}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(id) || id < 1) {
    throw new UpkeepError("USAGE_INVALID", `an incident id is a whole number from 1, got '${text}'`, {
      hint: "list the incidents and their ids with: upkeep incidents",
    });
  }
  const incident = await fetchIncident(command.globals, io, id);
  if (command.flags.json === true) {
    writeLine(io.stdout, JSON.stringify(incident, null, 2));
    return 0;
  }
  const { renderIncident } = await import("../render/incident.js");
  io.stdout.write(renderIncident(incident));
  return 0;
}
