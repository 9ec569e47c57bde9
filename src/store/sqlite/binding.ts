/**
 * better-sqlite3's compiled part, passed to it as `nativeBinding`. better-sqlite3's own install
 * downloads a prebuilt binary from outside the npm registry or else compiles SQLite, so the npm
 * package of upkeep does not depend on it: its JavaScript is bundled (scripts/bundle.mjs) and
 * the binary ships in `prebuilds/linux-<arch>/better_sqlite3-abi<N>.node`, built for one Node
 * ABI (docs/install.md). Tried in order: the copy in node_modules (a checkout after `npm ci`),
 * then the prebuilt one for this Node's ABI. Loaded once, on the first store opened.
 */
import { createRequire } from "node:module";
import { UpkeepError } from "../../core/errors.js";
import { PREBUILD_DIR, findNativeFiles, loadFirstNative } from "../../core/native-files.js";

let binding: string | null = null;

/** The file name of the prebuilt binding for this Node (its ABI is `process.versions.modules`). */
export const PREBUILT_SQLITE_NAME = `better_sqlite3-abi${process.versions.modules}.node`;

function findCandidates(): string[] {
  const paths: string[] = [];
  try {
    paths.push(createRequire(import.meta.url).resolve("better-sqlite3/build/Release/better_sqlite3.node"));
  } catch (err) {
    // Deliberately ignored: an installed package has no node_modules/better-sqlite3 (MODULE_NOT_FOUND).
    void err;
  }
  return [...paths, ...findNativeFiles(PREBUILT_SQLITE_NAME)];
}

/**
 * The path of better-sqlite3's addon for `new Database(file, { nativeBinding })`, loaded once
 * here to pick one that loads (better-sqlite3's require of it then finds it in the cache);
 * throws when none loads.
 */
export function loadSqliteBinding(): string {
  if (binding !== null) return binding;
  try {
    binding = loadFirstNative<object>(findCandidates(), "SQLite binding").path;
    return binding;
  } catch (err) {
    throw new UpkeepError("STORE_UNAVAILABLE", `cannot load SQLite for the state store: ${String(err)}`, {
      hint: `upkeep's package ships SQLite for Node ${process.versions.node.split(".")[0]} only where ${PREBUILD_DIR}/${PREBUILT_SQLITE_NAME} exists; run upkeep with the Node major it was packed for (docs/install.md), or install from the repository (npm ci && npm run build) with a C++ tool chain`,
      cause: err,
    });
  }
}
