/**
 * `upkeep ps NAME [--json]`: the service's process tree as the daemon finds it, with the
 * sockets each process listens on (read from /proc, no external tools).
 */
import type { ServiceTreeJson } from "../../api/wire.js";
import type { ParsedCommand } from "../command-spec.js";
import { requestBody } from "../client.js";
import type { CliIo } from "../io.js";
import { endpointFor, resolveTarget } from "../target.js";

const PS_TIMEOUT_MS = 30_000;

export async function run(command: ParsedCommand, io: CliIo): Promise<number> {
  const endpoint = endpointFor(resolveTarget(command.globals, io.env, io.cwd));
  const name = command.positionals[0] ?? "";
  const raw = await requestBody(
    endpoint,
    "GET",
    `/api/v1/services/${encodeURIComponent(name)}/tree`,
    undefined,
    {
      timeoutMs: PS_TIMEOUT_MS,
    },
  );
  if (command.flags.json === true) {
    io.stdout.write(raw);
    if (raw.at(-1) !== 0x0a) io.stdout.write("\n");
    return 0;
  }
  const { renderProcessTree } = await import("../render/process-tree.js");
  io.stdout.write(renderProcessTree(JSON.parse(raw.toString("utf8")) as ServiceTreeJson));
  return 0;
}
