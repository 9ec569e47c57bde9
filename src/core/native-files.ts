/**
 * Where upkeep's compiled parts may be, in the order they are tried: `build/Release/` (node-gyp's
 * output: a checkout after `npm ci`, or an install that built from source), then
 * `prebuilds/linux-<arch>/` (the binaries shipped inside the npm package, docs/install.md).
 * A file is tried only when it exists, and one that does not load (another architecture, a C
 * library it was not built for) passes the turn to the next, so an x64 build/ in a checkout
 * does not hide the arm64 prebuilds from an arm64 Node.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

// dist/src/core/ and dist/bundle/cli/ are both three levels below the package root.
const ROOT = new URL("../../../", import.meta.url);

/** The prebuilds folder for this platform and CPU, relative to the package root. */
export const PREBUILD_DIR = `prebuilds/${process.platform}-${process.arch}`;

/** The folders a compiled part named `name` may be in, most specific (a local build) first. */
export function findNativeFiles(name: string): string[] {
  return ["build/Release", PREBUILD_DIR]
    .map((dir) => fileURLToPath(new URL(`${dir}/${name}`, ROOT)))
    .filter((path) => existsSync(path));
}

/** A loaded `.node` module with the file it came from. */
export interface LoadedNative<T> {
  module: T;
  path: string;
  dir: string;
}

/**
 * Loads the first of `paths` that loads; throws one error naming every file tried and why it
 * failed, or that there was none.
 */
export function loadFirstNative<T>(paths: readonly string[], what: string): LoadedNative<T> {
  const require = createRequire(import.meta.url);
  const failures: string[] = [];
  for (const path of paths) {
    try {
      return { module: require(path) as T, path, dir: dirname(path) };
    } catch (err) {
      failures.push(`${path}: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
    }
  }
  throw new Error(
    failures.length > 0
      ? `no ${what} loads here (${failures.join("; ")})`
      : `no ${what} for ${process.platform}-${process.arch} (not in build/Release/ nor ${PREBUILD_DIR}/)`,
  );
}
