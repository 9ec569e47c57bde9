/**
 * Paths in the config (cwd, env_file, state_dir) resolve against the config file's folder, so
 * a config means the same thing whatever directory upkeep is started from.
 */
import { dirname, isAbsolute, resolve } from "node:path";

export type PathResult = { ok: true; path: string } | { ok: false; reason: string };

/** The folder that relative paths in `configFile` are relative to. */
export function configBaseDir(configFile: string): string {
  return dirname(resolve(configFile));
}

/** Resolve one config path against `baseDir`; `~` is refused because no shell expands it here. */
export function resolveConfigPath(baseDir: string, text: string): PathResult {
  if (text === "") return { ok: false, reason: "the path is empty" };
  if (text.includes("\0")) return { ok: false, reason: "the path contains a NUL byte" };
  if (text === "~" || text.startsWith("~/")) {
    return { ok: false, reason: "upkeep does not expand '~': write the absolute path" };
  }
  return { ok: true, path: isAbsolute(text) ? resolve(text) : resolve(baseDir, text) };
}
