/**
 * A service's environment: `env` (a map; numbers and booleans are taken as written) and
 * `env_file` (read now, so a missing file or a bad line is reported by `config check`).
 * The result has env_file entries first, then env, so env wins.
 */
import { ENV_FILE_MAX_BYTES, readEnvFile } from "./env-file.js";
import type { Field, ProblemSink } from "./problem-sink.js";
import { readEntries } from "./read-map.js";
import { readText } from "./read-scalars.js";
import { readPath } from "./read-typed.js";

const ENV_FILE_EXPECTED = "KEY=VALUE lines, '#' comment lines, values optionally quoted";

/** The `env` map as strings; undefined when it has problems. */
export function readEnvMap(sink: ProblemSink, field: Field): Record<string, string> | undefined {
  const entries = readEntries(sink, field, 'a map of variable names to values, e.g. { PORT: "8080" }');
  if (entries === undefined) return undefined;
  const env: Record<string, string> = {};
  let ok = true;
  for (const entry of entries) {
    if (entry.key === "" || entry.key.includes("=") || entry.key.includes("\0")) {
      const expected = "a variable name without '=' or NUL";
      sink.problem(
        "CONFIG_BAD_VALUE",
        entry.keyWhere,
        entry.path,
        "not a valid variable name",
        expected,
        entry.key,
      );
      ok = false;
      continue;
    }
    const value = readText(sink, entry, 'a string, number or boolean, or "" for an empty value');
    if (value === undefined) ok = false;
    else env[entry.key] = value;
  }
  return ok ? env : undefined;
}

/** Read the env_file at `field`; returns its absolute path and variables, or undefined. */
export function readEnvFileField(
  sink: ProblemSink,
  field: Field,
  baseDir: string,
): { path: string; env: Record<string, string> } | undefined {
  const path = readPath(sink, field, baseDir);
  if (path === undefined) return undefined;
  const result = readEnvFile(path);
  if ("refused" in result) {
    sink.problem(
      "CONFIG_BAD_VALUE",
      field.where,
      field.path,
      `cannot read env_file ${path}: ${result.refused}`,
      `a readable regular file of KEY=VALUE lines, at most ${ENV_FILE_MAX_BYTES / 1024 / 1024} MiB`,
      JSON.stringify(path),
    );
    return undefined;
  }
  for (const problem of result.problems) {
    sink.problemInFile({
      code: "CONFIG_BAD_VALUE",
      file: path,
      line: problem.line,
      column: problem.column,
      keyPath: field.path,
      message: problem.message,
      expected: ENV_FILE_EXPECTED,
    });
  }
  return result.problems.length === 0 ? { path, env: result.env } : undefined;
}
