/**
 * Load a config file: read it, parse the YAML keeping every node's position (LineCounter),
 * turn syntax errors into CONFIG_SYNTAX problems with line:col, then validate.
 */
import { resolve } from "node:path";
import { LineCounter, isScalar, parseDocument, visit, type Document } from "yaml";
import { errnoOf } from "../core/errors.js";
import { readRegularFile } from "../core/read-small-file.js";
import { configDigest } from "./digest.js";
import type { ConfigNote, ConfigProblem } from "./model.js";
import { validateDocument, type LoadResult, type ValidateOptions } from "./validate.js";

export type { LoadResult, ValidateOptions } from "./validate.js";

/** Parse and validate the config at `file`; never throws for a bad or missing file. */
export function loadConfig(file: string, options: ValidateOptions = {}): LoadResult {
  const path = resolve(file);
  let text: string;
  try {
    text = readRegularFile(path);
  } catch (err) {
    const problem: ConfigProblem = {
      code: "CONFIG_NOT_FOUND",
      file: path,
      line: 1,
      column: 1,
      keyPath: "",
      message: `cannot read the config file: ${errnoOf(err) ?? (err instanceof Error ? err.message : String(err))}`,
      expected: "a readable YAML file, given by --config FILE, $UPKEEP_CONFIG, or ./upkeep.yaml",
    };
    return { ok: false, problems: [problem], notes: [] };
  }
  return loadConfigText(text, path, options);
}

/** Parse and validate config text as if read from `file` (for tests and reload dry-runs). */
export function loadConfigText(text: string, file: string, options: ValidateOptions = {}): LoadResult {
  const path = resolve(file);
  const lineCounter = new LineCounter();
  // prettyErrors off: the messages stay one line; positions come from the LineCounter.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const at = (offset: number): { line: number; column: number } => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const notes: ConfigNote[] = doc.warnings.map((warning) => ({
    file: path,
    ...at(warning.pos[0]),
    keyPath: "",
    message: warning.message,
  }));
  const errors = [
    ...doc.errors.map((error) => ({ offset: error.pos[0], message: error.message })),
    ...repeatedKeys(doc).map((offset) => ({ offset, message: "Map keys must be unique" })),
  ].sort((a, b) => a.offset - b.offset);
  if (errors.length > 0) {
    const problems: ConfigProblem[] = errors.map((error) => ({
      code: "CONFIG_SYNTAX",
      file: path,
      ...at(error.offset),
      keyPath: "",
      message: `YAML syntax: ${error.message}`,
      expected: "valid YAML: indent with spaces, not tabs, and quote values that contain ': ' or ' #'",
    }));
    return { ok: false, problems, notes };
  }
  const result = validateDocument(doc, lineCounter, path, options);
  if (result.ok) result.config.digest = configDigest(text);
  return { ...result, notes: [...notes, ...result.notes] };
}

/**
 * Where a key repeats one before it in the same mapping (a syntax error, as YAML 1.2 says).
 * yaml's own check (its `uniqueKeys` option) compares each key with every earlier key of its
 * mapping: for a config of 1000 services that was 35 ms of the daemon's start-up. Here one Set
 * per mapping; equal means what it means there: scalar keys of the same value (NaN never).
 */
function repeatedKeys(doc: Document): number[] {
  const offsets: number[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const { key } of map.items) {
        if (!isScalar(key) || Number.isNaN(key.value)) continue;
        if (seen.has(key.value)) offsets.push(key.range?.[0] ?? 0);
        else seen.add(key.value);
      }
    },
  });
  return offsets;
}
