/**
 * env_file: `KEY=VALUE` lines. Blank lines and lines starting with `#` are skipped; `export `
 * before the key is allowed; values may be 'single-quoted' (literal) or "double-quoted" (with
 * \n \t \r \\ \" \$ escapes). Unquoted values are taken as written, trimmed, and `#` inside
 * them is not a comment (as in systemd's EnvironmentFile and docker's --env-file). Nothing is
 * expanded. A later line wins over an earlier one with the same key.
 */
import { readRegularFile } from "../core/read-regular-file.js";

export interface EnvFileProblem {
  line: number; // 1-based
  column: number; // 1-based
  message: string;
}

export interface EnvFileResult {
  env: Record<string, string>;
  problems: EnvFileProblem[];
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ESCAPES: Readonly<Record<string, string>> = {
  n: "\n",
  t: "\t",
  r: "\r",
  "\\": "\\",
  '"': '"',
  $: "$",
  "`": "`",
};

type ValueResult = { ok: true; value: string } | { ok: false; offset: number; message: string };

/** Read the value part of a line (after `=`); `offset` in a failure is relative to `raw`. */
function readValue(raw: string): ValueResult {
  const lead = raw.length - raw.trimStart().length;
  const text = raw.trim();
  const quote = text[0];
  if (quote !== "'" && quote !== '"') return { ok: true, value: text };
  let value = "";
  let i = 1;
  for (; i < text.length && text[i] !== quote; i++) {
    const c = text[i] ?? "";
    const next = text[i + 1];
    if (quote === '"' && c === "\\" && next !== undefined) {
      value += ESCAPES[next] ?? `\\${next}`;
      i++;
    } else {
      value += c;
    }
  }
  if (i >= text.length) return { ok: false, offset: lead, message: `unterminated ${quote} quote` };
  const after = text.slice(i + 1);
  const rest = after.trimStart();
  if (rest !== "" && !rest.startsWith("#")) {
    const offset = lead + i + 1 + after.length - rest.length;
    return { ok: false, offset, message: "unexpected text after the closing quote" };
  }
  return { ok: true, value };
}

/** Parse env file text; every bad line is reported, the good ones are still read. */
export function parseEnvFile(text: string): EnvFileResult {
  const env: Record<string, string> = {};
  const problems: EnvFileProblem[] = [];
  text.split("\n").forEach((rawLine, index) => {
    const line = rawLine.endsWith("\r") ? rawLine.slice(0, -1) : rawLine;
    const trimmed = line.trimStart();
    if (trimmed === "" || trimmed.startsWith("#")) return;
    let start = line.length - trimmed.length;
    const exported = /^export\s+/.exec(trimmed);
    if (exported !== null) start += exported[0].length;
    const equals = line.indexOf("=", start);
    if (equals === -1) {
      problems.push({ line: index + 1, column: start + 1, message: "expected KEY=VALUE" });
      return;
    }
    const key = line.slice(start, equals).trim();
    if (!KEY.test(key)) {
      const message = `'${key}' is not a valid variable name: use letters, digits and _, not starting with a digit`;
      problems.push({ line: index + 1, column: start + 1, message });
      return;
    }
    const value = readValue(line.slice(equals + 1));
    if (!value.ok) {
      problems.push({ line: index + 1, column: equals + 2 + value.offset, message: value.message });
      return;
    }
    env[key] = value.value;
  });
  return { env, problems };
}

/** Read and parse an env file; throws when it cannot be read or is not a regular file. */
export function readEnvFile(path: string): EnvFileResult {
  return parseEnvFile(readRegularFile(path));
}
