/**
 * Which daemon a command talks to: the config file (--config, $UPKEEP_CONFIG, ./upkeep.yaml),
 * its state dir (--state-dir, $UPKEEP_STATE_DIR, the config's state_dir) and the socket in it.
 * Cheap: no YAML parsing on this path.
 */
import { join, resolve } from "node:path";
import { locateConfigFile } from "../config/locate.js";
import { resolveStateDir } from "../config/state-dir.js";
import type { GlobalOptions } from "./command-spec.js";
import type { Endpoint } from "./client.js";

export interface Target {
  configFile: string; // absolute
  stateDir: string; // absolute
  socketPath: string; // <state_dir>/upkeep.sock
  /** The state dir came from --state-dir (so the start hint must carry it). */
  stateDirFromFlag: boolean;
}

/** The absolute path of the config file for this invocation (it may not exist). */
export function locateConfig(globals: GlobalOptions, env: NodeJS.ProcessEnv, cwd: string): string {
  return resolve(cwd, locateConfigFile(globals.config, env, cwd));
}

/** Resolves the config file, state dir and socket path for this invocation. */
export function resolveTarget(globals: GlobalOptions, env: NodeJS.ProcessEnv, cwd: string): Target {
  const configFile = locateConfig(globals, env, cwd);
  const flag = globals.stateDir === undefined ? undefined : resolve(cwd, globals.stateDir);
  const stateDir = resolve(
    cwd,
    resolveStateDir(configFile, { ...(flag === undefined ? {} : { flag }), env }),
  );
  return {
    configFile,
    stateDir,
    socketPath: join(stateDir, "upkeep.sock"),
    stateDirFromFlag: flag !== undefined,
  };
}

/** Quotes a word for a POSIX shell when it needs it, so printed commands can be pasted. */
export function quoteForShell(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The exact command that starts the daemon for this target, for "not running" hints. */
export function daemonStartCommand(target: Target): string {
  // The state dir goes in the environment so the command keeps the documented shape
  // "upkeep --config FILE daemon --detach".
  const prefix = target.stateDirFromFlag ? `UPKEEP_STATE_DIR=${quoteForShell(target.stateDir)} ` : "";
  return `${prefix}upkeep --config ${quoteForShell(target.configFile)} daemon --detach`;
}

/** The client's view of the target: the socket, and the command that starts its daemon. */
export function endpointFor(target: Target): Endpoint {
  return { socketPath: target.socketPath, startCommand: daemonStartCommand(target) };
}

/** The state dir chosen outside the config (--state-dir, else $UPKEEP_STATE_DIR), if any. */
export function stateDirOverride(
  globals: GlobalOptions,
  env: NodeJS.ProcessEnv,
  cwd: string,
): string | undefined {
  if (globals.stateDir !== undefined) return resolve(cwd, globals.stateDir);
  const fromEnv = env.UPKEEP_STATE_DIR;
  return fromEnv === undefined || fromEnv === "" ? undefined : resolve(cwd, fromEnv);
}
