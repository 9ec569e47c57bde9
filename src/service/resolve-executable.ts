import { accessSync, constants } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";

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
