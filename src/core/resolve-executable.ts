/**
 * Finding the program a service's `command` names, as exec would: a name with a slash relative
 * to the service's cwd, a bare name in PATH.
 */
import { accessSync, constants, statSync, type Stats } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { errnoOf } from "./errors.js";

/** Resolved paths by PATH, cwd and command; a miss is never cached (the file may appear later). */
const cache = new Map<string, string>();

/**
 * The absolute path of a bare command name (`sleep` → `/usr/bin/sleep`), looked up in PATH once
 * and remembered: without it every spawn makes the child search PATH with one failed exec per
 * entry, which costs more than a millisecond of each restart. A name with a slash is taken
 * relative to the service's cwd, as exec would; a name not found is returned as given, so the
 * spawn fails with the usual ENOENT.
 */
export function resolveExecutable(command: string, path: string, cwd: string): string {
  if (command.includes("/")) return isAbsolute(command) ? command : resolve(cwd, command);
  const key = `${path}\0${cwd}\0${command}`;
  const known = cache.get(key);
  if (known !== undefined) return known;
  for (const dir of path.split(":")) {
    const candidate = resolve(cwd, join(dir || ".", command));
    try {
      accessSync(candidate, constants.X_OK);
      cache.set(key, candidate);
      return candidate;
    } catch (err) {
      // Not in this PATH entry (ENOENT) or not executable there (EACCES): try the next one.
      void err;
    }
  }
  return command;
}

/** What a spawn of `command` would run, or why it cannot run it (for `config check`'s notes). */
export type ExecutableLookup = { ok: true; file: string } | { ok: false; reason: string };

/** Why `file` cannot be executed, or null when it can (by this process). */
function whyNotExecutable(file: string): string | null {
  let stats: Stats;
  try {
    stats = statSync(file);
  } catch (err) {
    const code = errnoOf(err) ?? String(err);
    return code === "ENOENT" ? `${file} does not exist` : `${file} cannot be examined (${code})`;
  }
  if (stats.isDirectory()) return `${file} is a directory`;
  try {
    accessSync(file, constants.X_OK);
    return null;
  } catch (err) {
    return `${file} is not executable (${errnoOf(err) ?? String(err)})`;
  }
}

/**
 * Looks `command` up as a spawn would (see resolveExecutable), saying why it would fail: not
 * found in PATH, missing, a directory, or not executable.
 */
export function lookUpExecutable(command: string, path: string, cwd: string): ExecutableLookup {
  if (command.includes("/")) {
    const file = isAbsolute(command) ? command : resolve(cwd, command);
    const why = whyNotExecutable(file);
    return why === null ? { ok: true, file } : { ok: false, reason: why };
  }
  let unusable: string | null = null;
  for (const dir of path.split(":")) {
    const candidate = resolve(cwd, join(dir || ".", command));
    const why = whyNotExecutable(candidate);
    if (why === null) return { ok: true, file: candidate };
    if (!why.endsWith("does not exist")) unusable ??= why;
  }
  const where = `not found in PATH (${path === "" ? "empty" : path})`;
  return { ok: false, reason: unusable === null ? `${command} is ${where}` : `${command}: ${unusable}` };
}
