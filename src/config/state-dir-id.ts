/**
 * The id of a state dir. Its own module: node:crypto costs the CLI several milliseconds to
 * load, and state-dir.ts is on the path of every command.
 */
import { createHash } from "node:crypto";
/** The variable every service of a daemon carries: which state dir (so which daemon) started it. */
export const STATE_ID_ENV = "UPKEEP_STATE_ID";

/** A short, stable id of a state dir: names its cgroup subtree and is its services' STATE_ID_ENV. */
export function stateDirId(stateDir: string): string {
  return createHash("sha256").update(stateDir).digest("hex").slice(0, 12);
}
