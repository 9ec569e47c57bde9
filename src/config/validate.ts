/**
 * Validate a parsed config document in one pass: every problem is collected (with its
 * position, key path, the value found and what would be valid) before anything is decided.
 * A config with any problem is rejected whole; nothing is replaced by a default.
 */
import { isMap, isScalar, type Document, type LineCounter } from "yaml";
import type { Config, ConfigNote, ConfigProblem } from "./model.js";
import { ProblemSink, describeNode, type Field } from "./problem-sink.js";
import { readSection, rootField } from "./read-map.js";
import { readNumber, readText } from "./read-scalars.js";
import { readPath } from "./read-typed.js";
import { configBaseDir } from "./resolve-paths.js";
import {
  DEFAULT_EVENTS_KEPT,
  DEFAULT_STATE_DIR_NAME,
  MAX_EVENTS_KEPT,
  MIN_EVENTS_KEPT,
  NOT_YET_ACTED_ON,
  PENDING_TOP_LEVEL_KEYS,
  TOP_LEVEL_KEYS,
} from "./schema.js";
import { readHttp } from "./validate-http.js";
import { readIncidents } from "./validate-incidents.js";
import { readNotify } from "./validate-notify.js";
import { readServices } from "./validate-services.js";
import { resolve } from "node:path";

export type LoadResult =
  | { ok: true; config: Config; notes: ConfigNote[] }
  | { ok: false; problems: ConfigProblem[]; notes: ConfigNote[] };

export interface ValidateOptions {
  /** A state dir chosen on the command line or in the environment; wins over `state_dir`. */
  stateDirOverride?: string;
  /**
   * Also note what this host cannot do for a service now: an unknown user or group, a command
   * not found or not executable (`config check`; src/config/host-notes.ts). A missing cwd is
   * noted always.
   */
  hostChecks?: boolean;
}

/** In file order: the config's own entries first, then those in other files (env files). */
function sortByPosition<T extends { file: string; line: number; column: number }>(
  file: string,
  items: T[],
): T[] {
  const rank = (item: T): number => (item.file === file ? 0 : 1);
  return [...items].sort(
    (a, b) => rank(a) - rank(b) || a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column,
  );
}

/** Validate `doc` (parsed from `file`) into a Config, or the complete list of its problems. */
export function validateDocument(
  doc: Document,
  lineCounter: LineCounter,
  file: string,
  options: ValidateOptions = {},
): LoadResult {
  const sink = new ProblemSink(file, lineCounter, doc);
  const baseDir = configBaseDir(file);
  const start = { line: 1, column: 1 };
  const root = sink.resolve(doc.contents);
  if (root !== null && !isMap(root) && !(isScalar(root) && root.value === null)) {
    const expected = "a map with keys: " + TOP_LEVEL_KEYS.join(", ");
    sink.problem(
      "CONFIG_WRONG_TYPE",
      sink.whereNode(root, start),
      "",
      "the config must be a map",
      expected,
      describeNode(root),
    );
    return { ok: false, problems: sink.problems, notes: sink.notes };
  }
  const top = readSection(sink, rootField(root, start), TOP_LEVEL_KEYS) ?? new Map<string, Field>();

  const stateDirField = top.get("state_dir");
  const stateDirFromFile = stateDirField === undefined ? undefined : readPath(sink, stateDirField, baseDir);
  const stateDir =
    options.stateDirOverride !== undefined && options.stateDirOverride !== ""
      ? resolve(options.stateDirOverride)
      : (stateDirFromFile ?? resolve(baseDir, DEFAULT_STATE_DIR_NAME));
  const socketGroupField = top.get("socket_group");
  const socketGroup =
    socketGroupField === undefined
      ? null
      : (readText(sink, socketGroupField, "a group name or a numeric gid") ?? null);
  const eventsKeptField = top.get("events_kept");
  const eventsKept =
    (eventsKeptField &&
      readNumber(sink, eventsKeptField, { min: MIN_EVENTS_KEPT, max: MAX_EVENTS_KEPT, integer: true })) ??
    DEFAULT_EVENTS_KEPT;
  const incidents = readIncidents(sink, top.get("incidents"));
  const httpField = top.get("http");
  const http = readHttp(sink, httpField);
  const services = readServices(sink, top.get("services"), baseDir, options.hostChecks === true);
  const notify = readNotify(sink, top.get("notify"), baseDir);

  const pending: Record<string, unknown> = {};
  for (const key of PENDING_TOP_LEVEL_KEYS) {
    const field = top.get(key);
    if (field === undefined) continue;
    pending[key] = sink.toData(field.value);
    sink.note(field.keyWhere, field.path, NOT_YET_ACTED_ON);
  }

  const notes = sortByPosition(file, sink.notes);
  if (sink.problems.length > 0) return { ok: false, problems: sortByPosition(file, sink.problems), notes };
  return {
    ok: true,
    config: { file, stateDir, http, socketGroup, eventsKept, incidents, services, notify, pending },
    notes,
  };
}
