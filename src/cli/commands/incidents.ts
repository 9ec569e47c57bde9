/**
 * `upkeep incidents [NAME] [-n N] [--json]`: the incidents kept, oldest first (ID TIME SERVICE
 * KIND SUMMARY). From the daemon, or from the state store when no daemon runs.
 */
import type { ParsedCommand } from "../command-spec.js";
import { fetchIncidents } from "../incident-source.js";
import { writeLine, type CliIo } from "../io.js";

const DEFAULT_LISTED = 20;

export async function run(command: ParsedCommand, io: CliIo): Promise<number> {
  const service = command.positionals[0];
  const n = typeof command.flags.lines === "number" ? command.flags.lines : DEFAULT_LISTED;
  const list = await fetchIncidents(command.globals, io, service, n);
  if (command.flags.json === true) {
    for (const incident of list.incidents) writeLine(io.stdout, JSON.stringify(incident));
    return 0;
  }
  if (list.incidents.length === 0) {
    const off = list.recording === false ? " (the config turns them off: incidents: false)" : "";
    writeLine(io.stdout, `${service === undefined ? "no incidents" : `no incidents of ${service}`}${off}`);
    return 0;
  }
  const { renderIncidentList } = await import("../render/incident.js");
  io.stdout.write(renderIncidentList(list.incidents));
  return 0;
}
