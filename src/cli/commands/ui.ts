/**
 * `upkeep ui`: prints the dashboard's URL with a one-time login code in its fragment (the part
 * after `#`, which a browser never sends, so no proxy or server log keeps it). The code works
 * once, for two minutes; the page trades it for a session cookie. Asked over the control socket,
 * so only who may use the socket gets a link. The dashboard's own code is never loaded here.
 */
import type { ParsedCommand } from "../command-spec.js";
import { requestJson } from "../client.js";
import { writeLine, type CliIo } from "../io.js";
import { endpointFor, resolveTarget } from "../target.js";

export async function run(command: ParsedCommand, io: CliIo): Promise<number> {
  const endpoint = endpointFor(resolveTarget(command.globals, io.env, io.cwd));
  const login = await requestJson<{ url: string; expires_at: string }>(
    endpoint,
    "POST",
    "/api/v1/ui/login",
    {},
  );
  writeLine(io.stdout, login.url);
  writeLine(
    io.stderr,
    `upkeep: open this link in a browser on this host; it logs in once, until ${login.expires_at}`,
  );
  return 0;
}
