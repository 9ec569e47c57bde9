/**
 * The state dir without loading the config: the CLI needs it on every command (to find the
 * socket) and must start in a few ms, so this file imports no YAML parser unless it must.
 * Order: `--state-dir`, else `$UPKEEP_STATE_DIR`, else the config's top-level `state_dir`
 * (relative to the config's folder), else `<config folder>/.upkeep`. It never fails: a config
 * with errors (or none at all) still yields a state dir; `config check` reports the errors.
 */
import { createRequire } from "node:module";
import { dirname, isAbsolute, resolve } from "node:path";
import { readRegularFile } from "../core/read-small-file.js";

const STATE_DIR_LINE = /^state_dir[ \t]*:(.*)$/m;
// A plain scalar with nothing YAML would read specially: no quotes, flow, anchors, tags, etc.
const PLAIN = /^[^\s'"[\]{}&*!|>%@`#,?-][^#]*$|^-[^\s#][^#]*$/;

function fromText(rest: string): string | null | undefined {
  const value = rest.replace(/(^|\s)#.*$/, "").trim();
  if (value === "" || value === "~" || value === "null") return null;
  if (PLAIN.test(value)) return value;
  const single = /^'([^']*)'$/.exec(value);
  if (single !== null) return single[1] ?? "";
  const double = /^"([^"\\]*)"$/.exec(value);
  if (double !== null) return double[1] ?? "";
  return undefined; // needs a real YAML parser
}

function fromYaml(text: string): string | null {
  // createRequire keeps this synchronous and loads `yaml` only on this rare path.
  const yaml = createRequire(import.meta.url)("yaml") as typeof import("yaml");
  const doc = yaml.parseDocument(text, { prettyErrors: false });
  const value: unknown = yaml.isMap(doc.contents) ? doc.contents.get("state_dir") : undefined;
  return typeof value === "string" && value !== "" ? value : null;
}

/** The value of the config's top-level `state_dir`, or null when absent, empty or unreadable. */
export function readStateDirSetting(configFile: string): string | null {
  let text: string;
  try {
    text = readRegularFile(configFile);
  } catch (err) {
    // Deliberately ignored: a missing (or FIFO, or device) config still has a default state dir;
    // loadConfig reports it.
    void err;
    return null;
  }
  const line = STATE_DIR_LINE.exec(text);
  if (line === null) return null;
  const value = fromText(line[1] ?? "");
  if (value !== undefined) return value;
  return fromYaml(text);
}

/** The state dir to use, without validating the config (see the file comment for the order). */
export function resolveStateDir(
  configFile: string,
  options: { flag?: string; env: NodeJS.ProcessEnv },
): string {
  if (options.flag !== undefined && options.flag !== "") return resolve(options.flag);
  const fromEnv = options.env["UPKEEP_STATE_DIR"];
  if (fromEnv !== undefined && fromEnv !== "") return resolve(fromEnv);
  const base = dirname(resolve(configFile));
  const setting = readStateDirSetting(configFile);
  // `~` is refused by the validator; here it falls back to the default rather than failing.
  if (setting === null || setting === "~" || setting.startsWith("~/")) return resolve(base, ".upkeep");
  return isAbsolute(setting) ? resolve(setting) : resolve(base, setting);
}
