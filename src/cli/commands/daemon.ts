/**
 * `upkeep daemon [--detach] [--force]`: runs the supervisor in this process, or with --detach
 * in a new session in the background (see daemon-detach.ts).
 */
import type { ParsedCommand } from "../command-spec.js";
import type { CliIo } from "../io.js";
import { resolveTarget } from "../target.js";

/** Runs the daemon in the foreground (its exit code), or starts it detached. */
export async function run(command: ParsedCommand, io: CliIo): Promise<number> {
  const target = resolveTarget(command.globals, io.env, io.cwd);
  const force = command.flags.force === true;
  if (command.flags.detach === true) {
    const { startDetached } = await import("./daemon-detach.js");
    return startDetached(target, { force }, io);
  }
  // Imported here, not at the top: --detach only spawns, and the daemon's modules are heavy.
  const { runDaemon } = await import("../../daemon/main.js");
  return runDaemon({
    configFile: target.configFile,
    ...(target.stateDirFromFlag ? { stateDirFlag: target.stateDir } : {}),
    force,
  });
}
