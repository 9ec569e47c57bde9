/**
 * `upkeep notify test [NAME] [--json]`: the daemon sends a test message through every channel
 * that applies (the global ones, or service NAME's with its overrides) and reports each one:
 * delivered, or what went wrong. Exit 0 when every channel delivered, 1 when one did not.
 */
import type { NotifyTestResponseJson } from "../../api/wire.js";
import type { ParsedCommand } from "../command-spec.js";
import { requestJson } from "../client.js";
import { writeLine, type CliIo } from "../io.js";
import { endpointFor, resolveTarget } from "../target.js";

/** Longer than any channel's own timeout would make sense to wait (email's default is 30 s). */
const TEST_TIMEOUT_MS = 10 * 60_000;

export async function run(command: ParsedCommand, io: CliIo): Promise<number> {
  const endpoint = endpointFor(resolveTarget(command.globals, io.env, io.cwd));
  const name = command.positionals[0] ?? null;
  const response = await requestJson<NotifyTestResponseJson>(
    endpoint,
    "POST",
    "/api/v1/notify/test",
    { name },
    { timeoutMs: TEST_TIMEOUT_MS },
  );
  const failed = response.results.filter((r) => !r.ok).length;
  if (command.flags.json === true) {
    io.stdout.write(`${JSON.stringify(response)}\n`);
    return failed === 0 ? 0 : 1;
  }
  for (const r of response.results) {
    const outcome = r.ok
      ? `delivered in ${r.ms} ms`
      : `FAILED after ${r.ms} ms: ${r.error ?? "unknown error"}`;
    writeLine(io.stdout, `${r.channel.padEnd(7)} ${r.target}: ${outcome} (id ${r.id})`);
  }
  const total = response.results.length;
  writeLine(
    failed === 0 ? io.stdout : io.stderr,
    failed === 0
      ? `test message delivered through ${total === 1 ? "the one channel" : `all ${total} channels`}`
      : `${failed} of ${total} channels failed; see the errors above, fix the config, then: upkeep reload-config`,
  );
  return failed === 0 ? 0 : 1;
}
