/**
 * `upkeep check [--json] [-t SECONDS]` (SPEC §5): asks the daemon for the check of its live state; with the
 * daemon down, runs the same check here from the config file, the state store (read only) and
 * /proc. Monitoring-plugin exit codes; anything that keeps the check from running is UNKNOWN.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { CheckReport } from "../../check/report.js";
import type { Config } from "../../config/model.js";
import { checkDuration, formatDuration } from "../../core/duration.js";
import { UpkeepError } from "../../core/errors.js";
import type { FlagValue, ParsedCommand } from "../command-spec.js";
import { requestBody } from "../client.js";
import type { CliIo } from "../io.js";
import { daemonStartCommand, endpointFor, resolveTarget, stateDirOverride, type Target } from "../target.js";

const CHECK_TIMEOUT_MS = 30_000;
/** A daemon younger than this whose socket is not open yet is taken to be starting. */
const STARTING_GRACE_S = 120;

/**
 * The config: the daemon's snapshot of it when the file is still the text it was made from
 * (no YAML parse: most of the cost of a check with hundreds of services), else the file.
 */
async function configForCheck(target: Target, override: string | undefined): Promise<Config> {
  let text: string | null = null;
  try {
    text = readFileSync(target.configFile, "utf8");
  } catch {
    // unreadable: loadConfig below says why
  }
  if (text !== null) {
    const { readConfigSnapshot } = await import("../../config/snapshot.js");
    const snapshot = readConfigSnapshot(target.stateDir, target.configFile, text);
    if (snapshot !== null) return snapshot;
  }
  const { loadConfig, loadConfigText } = await import("../../config/load.js");
  const options = override === undefined ? {} : { stateDirOverride: override };
  const loaded =
    text === null ? loadConfig(target.configFile, options) : loadConfigText(text, target.configFile, options);
  if (!loaded.ok) {
    throw new UpkeepError(
      "CONFIG_INVALID",
      `config ${target.configFile} has ${loaded.problems.length} problem(s)`,
      {
        hint: `see them with: upkeep --config ${target.configFile} config check`,
      },
    );
  }
  return loaded.config;
}

/**
 * A daemon holds the lock but its socket does not answer: it is still adopting and starting
 * its services (the socket opens after that, and a forking start may take start_timeout), or
 * it hangs. Its PID file's age tells which is likelier.
 */
function daemonNotAnswering(target: Target, pid: number): UpkeepError {
  let ageS: number | null = null;
  try {
    ageS = Math.round((Date.now() - statSync(join(target.stateDir, "upkeep.pid")).mtimeMs) / 1000);
  } catch {
    // no PID file: say nothing about its age
  }
  const starting = ageS !== null && ageS < STARTING_GRACE_S;
  const message = starting
    ? `daemon PID ${pid} started ${ageS}s ago and is still starting its services; its socket is not open yet`
    : `daemon PID ${pid} holds state dir ${target.stateDir} but its socket does not answer`;
  const hint = starting
    ? "run the check again in a few seconds"
    : `see whether it hangs: upkeep status; or restart it: kill ${pid}, then ${daemonStartCommand(target)}`;
  return new UpkeepError("DAEMON_NOT_RUNNING", message, { hint });
}

/** The check with no daemon to ask: config file, store and /proc read here. */
async function checkHere(target: Target, command: ParsedCommand, io: CliIo): Promise<CheckReport> {
  const [
    { openSqliteStore },
    { inputFromStore },
    { runCheck },
    { lockHolderPid },
    { assertStateDirTrusted },
  ] = await Promise.all([
    import("../../store/sqlite/open.js"),
    import("../../check/inputs.js"),
    import("../../check/run-check.js"),
    import("../../daemon/instance-lock.js"),
    import("../../daemon/state-dir-trust.js"),
  ]);
  // A PID only when /proc proves it holds the lock (instance-lock.ts): the hint may say kill it.
  const holder = await lockHolderPid(target.stateDir);
  if (holder !== null) throw daemonNotAnswering(target, holder);
  // The snapshot and the store are read from the state dir: not from one someone else controls.
  assertStateDirTrusted(target.stateDir);
  const config = await configForCheck(target, stateDirOverride(command.globals, io.env, io.cwd));
  // No store yet: the daemon has never run with this state dir. That is a daemon that is down
  // (CRITICAL, with the command that starts it), not a check that cannot run.
  if (!existsSync(join(config.stateDir, "state.db"))) {
    return runCheck(inputFromStore(config, [], [], daemonStartCommand(target)));
  }
  const store = openSqliteStore(config.stateDir, {
    readonly: true,
    tables: ["services", "processes"],
  });
  try {
    const [services, records] = await Promise.all([store.listServices(), store.listProcesses()]);
    return runCheck(inputFromStore(config, services, records, daemonStartCommand(target)));
  } finally {
    await store.close();
  }
}

/** `-t`: whole seconds as monitoring plugins take them, or a duration (`500ms`, `1m`). */
function readTimeout(value: FlagValue | undefined): number {
  if (typeof value !== "string") return CHECK_TIMEOUT_MS;
  const text = value;
  const result = /^\d+(\.\d+)?$/.test(text)
    ? { ok: true as const, ms: Number(text) * 1000 }
    : checkDuration(text);
  if (!result.ok || result.ms <= 0) {
    const why = result.ok ? "it must be more than 0" : result.reason;
    throw new UpkeepError("USAGE_INVALID", `check: -t '${text}' is not a timeout: ${why}`, {
      hint: "write seconds (-t 10) or a duration (-t 500ms)",
    });
  }
  return result.ms;
}

/** The report, from the daemon or, with the daemon down, from here; UNKNOWN past the timeout. */
async function produceReport(command: ParsedCommand, io: CliIo, timeoutMs: number): Promise<CheckReport> {
  const target = resolveTarget(command.globals, io.env, io.cwd);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new UpkeepError("USAGE_INVALID", `the check did not finish within ${formatDuration(timeoutMs)}`),
        ),
      timeoutMs,
    );
  });
  const work = (async (): Promise<CheckReport> => {
    try {
      const raw = await requestBody(endpointFor(target), "GET", "/api/v1/check", undefined, { timeoutMs });
      return JSON.parse(raw.toString("utf8")) as CheckReport;
    } catch (err) {
      if (!(err instanceof UpkeepError && err.code === "DAEMON_NOT_RUNNING")) throw err;
      return checkHere(target, command, io);
    }
  })();
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

export async function run(command: ParsedCommand, io: CliIo): Promise<number> {
  const { exitCodeOf, formatPluginOutput } = await import("../../check/report.js");
  let report: CheckReport;
  try {
    report = await produceReport(command, io, readTimeout(command.flags.timeout));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const hint = err instanceof UpkeepError && err.hint ? `\n  hint: ${err.hint}` : "";
    if (command.flags.json === true) {
      const unknown = {
        status: "UNKNOWN",
        summary: `the check could not run: ${message}`,
        hint: err instanceof UpkeepError ? (err.hint ?? null) : null,
      };
      io.stdout.write(`${JSON.stringify(unknown, null, 2)}\n`);
    } else io.stdout.write(`UPKEEP UNKNOWN - the check could not run: ${message}${hint}\n`);
    return 3;
  }
  io.stdout.write(
    command.flags.json === true ? `${JSON.stringify(report, null, 2)}\n` : formatPluginOutput(report),
  );
  return exitCodeOf(report.status);
}
