/**
 * upkeep's version: package.json's, read only when asked (`upkeep --version`, the daemon's
 * status) so that other commands do not pay for the file read. The daemon reports the version
 * of the build it runs from, which after an upgrade (docs/upgrade.md) is not the one that
 * started its services.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { UpkeepError, isErrno } from "./errors.js";

let known: string | null = null;

/** Reads the version from the nearest package.json named "upkeep" above this file (once). */
export function readVersion(): string {
  known ??= findVersion();
  return known;
}

function findVersion(): string {
  // dist/src/core/ or dist/bundle/cli/ → the repository root, but any build dir works.
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; dir = dirname(dir)) {
    try {
      const parsed = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
        name?: unknown;
        version?: unknown;
      };
      if (parsed.name === "upkeep" && typeof parsed.version === "string") return parsed.version;
    } catch (err) {
      // No package.json at this level (or another package's): keep walking up.
      if (!isErrno(err, "ENOENT") && !(err instanceof SyntaxError)) throw err;
    }
    if (dirname(dir) === dir) break;
  }
  throw new UpkeepError("INTERNAL", `cannot find upkeep's package.json above ${here}`, {
    hint: "run upkeep from its repository or installed package (npm ci && npm run build)",
  });
}
