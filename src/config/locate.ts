/**
 * Which config file to use (SPEC §2): `--config FILE`, else `$UPKEEP_CONFIG`, else
 * `./upkeep.yaml`; relative paths are relative to the current directory.
 */
import { resolve } from "node:path";

export const DEFAULT_CONFIG_NAME = "upkeep.yaml";

/** The absolute path of the config file to load; whether it exists is loadConfig's question. */
export function locateConfigFile(flag: string | undefined, env: NodeJS.ProcessEnv, cwd: string): string {
  if (flag !== undefined && flag !== "") return resolve(cwd, flag);
  const fromEnv = env["UPKEEP_CONFIG"];
  if (fromEnv !== undefined && fromEnv !== "") return resolve(cwd, fromEnv);
  return resolve(cwd, DEFAULT_CONFIG_NAME);
}
