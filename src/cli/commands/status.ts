/**
 * `upkeep status [NAME…] [--json] [--check [-q]]`: the services as the daemon sees them. Without names,
 * --json passes the daemon's body through untouched: exact, and cheap for 1000 services. That
 * path is the start-up benchmark (SPEC: within 1.4× a bare `node -e 0`), so the table
 * renderer and the name filter are imported only when needed.
 */
import type { ServiceStatusJson, StatusJson } from "../../api/wire.js";
import { UpkeepError } from "../../core/errors.js";
import type { ParsedCommand } from "../command-spec.js";
import { requestBody } from "../client.js";
import { writeLine, type CliIo } from "../io.js";
import { endpointFor, resolveTarget } from "../target.js";

const STATUS_TIMEOUT_MS = 30_000;
/** `status --check` when a service is not running: `systemctl is-active`'s "inactive" code. */
const NOT_RUNNING_EXIT = 3;

/**
 * `--check`: one `NAME STATE` line per selected service (none when quiet); 0 when every one is
 * running, else 3. Only `running` counts, as only `active` does for `systemctl is-active`:
 * a `starting` service is not ready yet, and an `exited` oneshot runs nothing.
 */
function checkRunning(services: readonly ServiceStatusJson[], quiet: boolean, io: CliIo): number {
  if (!quiet) for (const s of services) writeLine(io.stdout, `${s.name} ${s.state}`);
  return services.every((s) => s.state === "running") ? 0 : NOT_RUNNING_EXIT;
}

/** Prints the status table, or the StatusJson; exit 1 when a NAME selects nothing. */
export async function run(command: ParsedCommand, io: CliIo): Promise<number> {
  const check = command.flags.check === true;
  if (check && command.positionals.length === 0)
    throw new UpkeepError("USAGE_INVALID", "status: --check needs one or more NAME", {
      hint: "for example: upkeep status --check web db",
    });
  if (command.flags.quiet === true && !check)
    throw new UpkeepError("USAGE_INVALID", "status: --quiet goes with --check", {
      hint: "for example: upkeep status --check --quiet web",
    });
  const endpoint = endpointFor(resolveTarget(command.globals, io.env, io.cwd));
  const raw = await requestBody(endpoint, "GET", "/api/v1/status", undefined, {
    timeoutMs: STATUS_TIMEOUT_MS,
  });
  const json = command.flags.json === true;
  if (json && !check && command.positionals.length === 0) {
    io.stdout.write(raw);
    if (raw.at(-1) !== 0x0a) io.stdout.write("\n");
    return 0;
  }
  const body = raw.toString("utf8");
  const status = JSON.parse(body) as StatusJson;
  const { selectByName } = await import("../select-services.js");
  const services = selectByName(status.services, command.positionals);
  const exitCode = check ? checkRunning(services, command.flags.quiet === true || json, io) : 0;
  if (json) {
    // Keep the daemon's layout: indented if it indents, compact if not.
    const indent = body.includes("\n  ") ? 2 : undefined;
    io.stdout.write(`${JSON.stringify({ daemon: status.daemon, services }, null, indent)}\n`);
    return exitCode;
  }
  if (check) return exitCode;
  const [{ renderStatusTable, renderStoreLine }, { colourEnabled }] = await Promise.all([
    import("../render/status-table.js"),
    import("../render/colour.js"),
  ]);
  const now = Date.now();
  // A store lost under the daemon is told first: what the table shows will not survive it.
  if (status.daemon.store_problem) io.stderr.write(`upkeep: WARNING: ${status.daemon.store_problem}\n`);
  io.stdout.write(renderStoreLine(status.daemon.store, now));
  io.stdout.write(renderStatusTable(services, { now, colour: colourEnabled(io.stdout, io.env) }));
  return 0;
}
