/**
 * `upkeep daemon [--detach] [--force] [--log-format F]`: runs the supervisor in this process,
 * or with --detach in a new session in the background (see daemon-detach.ts).
 */
import { UpkeepError } from "../../core/errors.js";
import { LOG_FORMATS, type LogFormat } from "../../daemon/log-format.js";
import type { FlagValue, ParsedCommand } from "../command-spec.js";
import type { CliIo } from "../io.js";
import { resolveTarget } from "../target.js";

/** Runs the daemon in the foreground (its exit code), or starts it detached. */
export async function run(command: ParsedCommand, io: CliIo): Promise<number> {
  const target = resolveTarget(command.globals, io.env, io.cwd);
  const force = command.flags.force === true;
  const logFormat = chooseLogFormat(command.flags.logFormat, io.env);
  if (command.flags.detach === true) {
    const { startDetached } = await import("./daemon-detach.js");
    return startDetached(target, { force, logFormat }, io);
  }
  // Imported here, not at the top: --detach only spawns, and the daemon's modules are heavy.
  const { runDaemon } = await import("../../daemon/main.js");
  return runDaemon({
    configFile: target.configFile,
    ...(target.stateDirFromFlag ? { stateDirFlag: target.stateDir } : {}),
    force,
    logFormat,
  });
}

/** --log-format, else $UPKEEP_LOG_FORMAT, else auto; a bad value of the variable is a usage error. */
function chooseLogFormat(flag: FlagValue | undefined, env: NodeJS.ProcessEnv): LogFormat {
  if (typeof flag === "string") return flag as LogFormat; // the parser checked the choices
  const value = env["UPKEEP_LOG_FORMAT"];
  if (value === undefined || value === "") return "auto";
  if ((LOG_FORMATS as readonly string[]).includes(value)) return value as LogFormat;
  throw new UpkeepError(
    "USAGE_INVALID",
    `UPKEEP_LOG_FORMAT is "${value}"; expected one of ${LOG_FORMATS.join(", ")}`,
    {
      hint: "unset it, or set it to one of them: export UPKEEP_LOG_FORMAT=text",
    },
  );
}
