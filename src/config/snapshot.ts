/**
 * `<state_dir>/config.json`: the config as the daemon last loaded it, with the digest of the
 * text it came from. `upkeep check` with the daemon down uses it instead of parsing the YAML
 * again when the file still has that digest (the parse is most of such a check's cost with
 * hundreds of services). Only a cache: a missing, unreadable, older or mismatched snapshot
 * means "parse the file", never an error; the YAML file stays the one source of truth.
 * Variables read from env_file are not compared: the check does not use them.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../core/atomic-write.js";
import { configDigest } from "./digest.js";
import type { Config } from "./model.js";

const SNAPSHOT_VERSION = 1;

export function snapshotPath(stateDir: string): string {
  return join(stateDir, "config.json");
}

/** Written by the daemon after each successful load or reload. */
export function writeConfigSnapshot(config: Config): void {
  // 0600: it holds the services' environment, which may carry secrets.
  writeFileAtomic(
    snapshotPath(config.stateDir),
    JSON.stringify({ version: SNAPSHOT_VERSION, config }),
    0o600,
  );
}

/** The snapshot's config when it was made from exactly `text` of `file` for `stateDir`; else null. */
export function readConfigSnapshot(stateDir: string, file: string, text: string): Config | null {
  let parsed: { version?: unknown; config?: Config };
  try {
    parsed = JSON.parse(readFileSync(snapshotPath(stateDir), "utf8")) as typeof parsed;
  } catch {
    return null; // none yet, or unreadable: the caller parses the file
  }
  const config = parsed.config;
  if (parsed.version !== SNAPSHOT_VERSION || config === undefined) return null;
  if (config.file !== file || config.stateDir !== stateDir || config.digest !== configDigest(text))
    return null;
  return config;
}
