/**
 * `upkeep systemd-unit [--install [--force]] [--exec PATH] [--unit-dir DIR]`: prints the
 * systemd unit that runs this daemon (docs/cli/systemd-unit.md), or writes it. No daemon is
 * needed: the config is read for the stop timeouts only. The unit names absolute paths: the
 * node and CLI that run this command (or the launcher given by --exec, e.g. a package's
 * /usr/bin/upkeep), and the config it was asked for.
 */
import { lstatSync, readFileSync, realpathSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { formatProblem } from "../../config/format-problem.js";
import { loadConfig } from "../../config/load.js";
import { worstShutdownMs } from "../../config/shutdown-time.js";
import { describeErrno, writeFileAtomic } from "../../core/atomic-write.js";
import { UpkeepError, errnoOf } from "../../core/errors.js";
import { DAEMON_NODE_FLAGS } from "../../daemon/node-flags.js";
import type { ParsedCommand } from "../command-spec.js";
import { writeLine, type CliIo } from "../io.js";
import { renderSystemdUnit } from "../systemd-unit-text.js";
import { locateConfig, quoteForShell, stateDirOverride } from "../target.js";
import { readVersion } from "../../core/version.js";

/** Where `--install` writes by default: the administrator's own units. */
export const DEFAULT_UNIT_DIR = "/etc/systemd/system";
const UNIT_NAME = "upkeep.service";

/** Prints the unit (exit 0), or installs it; a config with problems lists them (exit 2). */
export function run(command: ParsedCommand, io: CliIo): Promise<number> {
  return Promise.resolve(systemdUnit(command, io));
}

function systemdUnit(command: ParsedCommand, io: CliIo): number {
  const configFile = locateConfig(command.globals, io.env, io.cwd);
  const stateDir = stateDirOverride(command.globals, io.env, io.cwd) ?? null;
  const loaded = loadConfig(configFile, stateDir === null ? {} : { stateDirOverride: stateDir });
  if (!loaded.ok) {
    for (const problem of loaded.problems) writeLine(io.stderr, formatProblem(problem));
    writeLine(
      io.stderr,
      `upkeep: config ${configFile} has ${loaded.problems.length} problem(s): no unit written (upkeep --config ${quoteForShell(configFile)} config check)`,
    );
    return 2;
  }
  const exec = typeof command.flags.exec === "string" ? command.flags.exec : null;
  const prefixes = launchPrefixes(exec);
  const text = renderSystemdUnit({
    ...prefixes,
    configFile,
    stateDir,
    stopTimeoutMs: worstShutdownMs(loaded.config.services),
    version: readVersion(),
  });
  if (command.flags.install !== true) {
    io.stdout.write(text);
    return 0;
  }
  const dir = typeof command.flags["unit-dir"] === "string" ? command.flags["unit-dir"] : DEFAULT_UNIT_DIR;
  installUnit(join(dir, UNIT_NAME), text, command.flags.force === true, io);
  return 0;
}

/** ExecStart='s and ExecReload='s argv prefixes: this node and CLI, or the launcher given. */
function launchPrefixes(exec: string | null): { daemonPrefix: string[]; cliPrefix: string[] } {
  if (exec !== null) {
    if (!isAbsolute(exec)) {
      throw new UpkeepError("USAGE_INVALID", `--exec ${exec} is not an absolute path`, {
        hint: "systemd runs no command by a relative path: give the launcher's full path, e.g. --exec /usr/bin/upkeep",
        details: { got: exec },
      });
    }
    return { daemonPrefix: [exec], cliPrefix: [exec] };
  }
  const main = process.argv[1];
  if (main === undefined)
    throw new Error("cannot tell which script runs this CLI (process.argv[1] is empty)");
  // The real path: a unit must not depend on a symlink (npm's bin link) staying where it is.
  const cli = realpathSync(main);
  return { daemonPrefix: [process.execPath, ...DAEMON_NODE_FLAGS, cli], cliPrefix: [process.execPath, cli] };
}

/**
 * Writes the unit (temp file, then rename: a symlink at the path is replaced, never written
 * through). An existing unit with other content is kept unless `force`.
 */
function installUnit(path: string, text: string, force: boolean, io: CliIo): void {
  const existing = readExisting(path);
  if (existing === text) {
    writeLine(io.stdout, `${path} is already this unit; nothing written`);
  } else {
    if (existing !== null && !force) {
      throw new UpkeepError(
        "SYSTEMD_UNIT_EXISTS",
        `${path} exists and differs from the unit upkeep would write`,
        {
          hint: `compare: upkeep systemd-unit | diff ${quoteForShell(path)} -; replace it: add --force`,
          details: { file: path },
        },
      );
    }
    try {
      writeFileAtomic(path, text, 0o644);
    } catch (err) {
      // writeFileAtomic words its failures for the state dir; the errno is what matters here.
      const errno = err instanceof UpkeepError ? (err.details.errno ?? undefined) : errnoOf(err);
      if (errno === undefined) throw err;
      throw new UpkeepError(
        "SYSTEMD_UNIT_NOT_WRITTEN",
        `cannot write ${path}: ${describeErrno(errno, err)}`,
        {
          hint:
            errno === "EACCES" || errno === "EPERM" || errno === "EROFS"
              ? "installing a system unit needs root: sudo upkeep … systemd-unit --install (or print it and place it yourself)"
              : errno === "ENOENT"
                ? "that folder does not exist: is systemd installed? (--unit-dir DIR writes elsewhere)"
                : "print the unit with `upkeep systemd-unit` and place it by hand",
          details: { file: path, errno },
          cause: err,
        },
      );
    }
    writeLine(io.stdout, `${existing === null ? "wrote" : "replaced"} ${path}`);
  }
  writeLine(io.stdout, "next: systemctl daemon-reload && systemctl enable --now upkeep");
}

/** The unit file's text, or null when there is none; a symlink or a non-file counts as different. */
function readExisting(path: string): string | null {
  try {
    const stat = lstatSync(path);
    if (!stat.isFile()) return `(a ${stat.isSymbolicLink() ? "symlink" : "non-file"} is there)`;
    return readFileSync(path, "utf8");
  } catch (err) {
    if (errnoOf(err) === "ENOENT") return null;
    throw err;
  }
}
