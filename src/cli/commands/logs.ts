/**
 * `upkeep logs NAME [-n N] [-f] [--timestamps] [--stream out|err]`: a service's output, read
 * straight from `<state_dir>/logs` (so it works while the daemon is down) and written to
 * stdout byte for byte. The name is checked against the config first.
 */
import { join } from "node:path";
import { loadConfig } from "../../config/load.js";
import type { ServiceConfig } from "../../config/model.js";
import { UpkeepError } from "../../core/errors.js";
import type { LogStream } from "../../logs/log-files.js";
import { followLog, readLogTailAt, type LogPosition } from "../../logs/tail.js";
import type { ParsedCommand } from "../command-spec.js";
import { writeLine, type CliIo } from "../io.js";
import { listNames, nameSelects } from "../select-services.js";
import { resolveTarget, stateDirOverride } from "../target.js";

const DEFAULT_LINES = 50;

/** The configured service `name` names (itself, or the service it is an instance of). */
function findService(services: readonly ServiceConfig[], name: string): ServiceConfig {
  const base = name.includes("@") ? name.slice(0, name.indexOf("@")) : name;
  const found =
    services.find((s) => s.name === name) ?? services.find((s) => nameSelects(base, name) && s.name === base);
  if (found) return found;
  throw new UpkeepError(
    "SERVICE_UNKNOWN",
    `no service named '${name}' in the config (known: ${listNames(services.map((s) => s.name))})`,
    {
      hint: "check the spelling; `upkeep status` lists every service",
      details: { service: name },
    },
  );
}

/** Where the logs are and whether timestamps are on by default for this service. */
function locateLogs(
  command: ParsedCommand,
  io: CliIo,
  name: string,
): { logsDir: string; timestamps: boolean } {
  const target = resolveTarget(command.globals, io.env, io.cwd);
  const override = stateDirOverride(command.globals, io.env, io.cwd);
  const loaded = loadConfig(target.configFile, override === undefined ? {} : { stateDirOverride: override });
  if (!loaded.ok) {
    // The logs matter most when something is broken, a half-edited config included: read
    // them anyway, from the state dir found without the full config, and say so.
    const count = loaded.problems.length;
    writeLine(
      io.stderr,
      `upkeep: warning: the config has ${count} problem${count === 1 ? "" : "s"} (see: upkeep config check); ` +
        `the name '${name}' is not checked`,
    );
    return { logsDir: join(target.stateDir, "logs"), timestamps: false };
  }
  const service = findService(loaded.config.services, name);
  return { logsDir: join(loaded.config.stateDir, "logs"), timestamps: service.logs.timestamps };
}

function streamOf(command: ParsedCommand): LogStream | undefined {
  const value = command.flags.stream;
  return value === "out" ? "out" : value === "err" ? "err" : undefined;
}

/** Prints the last N lines, then (with -f) new output until Ctrl-C. */
export async function run(command: ParsedCommand, io: CliIo): Promise<number> {
  const name = command.positionals[0] ?? "";
  const { logsDir, timestamps: byDefault } = locateLogs(command, io, name);
  const timestamps = command.flags.timestamps === true || byDefault;
  const stream = streamOf(command);
  const lines = typeof command.flags.lines === "number" ? command.flags.lines : DEFAULT_LINES;
  const follow = command.flags.follow === true;
  const streamOption = stream === undefined ? {} : { stream };
  let shownUpTo: LogPosition | null = null;
  try {
    const tail = readLogTailAt(logsDir, name, { lines, timestamps, ...streamOption });
    io.stdout.write(tail.text);
    shownUpTo = tail.position;
  } catch (err) {
    // With -f, "no output yet" is worth waiting for: the service may be about to start.
    if (!(follow && err instanceof UpkeepError && err.code === "LOGS_NOT_FOUND")) throw err;
    writeLine(io.stderr, `upkeep: ${name} has no captured output yet; waiting for some (Ctrl-C to stop)`);
  }
  if (!follow) return 0;
  const signal = io.interruptSignal();
  const stop = followLog(
    logsDir,
    name,
    {
      timestamps,
      fromEnd: true,
      from: shownUpTo,
      ...streamOption,
      onError: (error) =>
        writeLine(io.stderr, `upkeep: reading the logs of ${name} failed: ${error.message}`),
    },
    (chunk) => io.stdout.write(chunk),
  );
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
  stop();
  return 0;
}
