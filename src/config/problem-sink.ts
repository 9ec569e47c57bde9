/**
 * Collects every problem and note of one validation pass, with 1-based line:column positions
 * mapped from YAML node offsets through the parser's LineCounter.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from "yaml";
import type { ConfigNote, ConfigProblem } from "./model.js";

export interface Where {
  line: number;
  column: number;
}

/** One key of a YAML map being validated: its name, path, nodes and position. */
export interface Field {
  key: string;
  path: string; // dotted key path, e.g. services.web.backoff.initial
  keyWhere: Where;
  /** The value node with aliases resolved; null when the key has no value at all. */
  value: Node | null;
  /** Position of the value, or of the key when the value is empty. */
  where: Where;
}

export class ProblemSink {
  readonly problems: ConfigProblem[] = [];
  readonly notes: ConfigNote[] = [];

  constructor(
    readonly file: string,
    private readonly lineCounter: LineCounter,
    private readonly doc: Document,
  ) {}

  /**
   * A sink of its own for the same document, whose problems and notes the caller merges into
   * this one (each instance of a service is read into one, so identical problems are told once).
   */
  fork(): ProblemSink {
    return new ProblemSink(this.file, this.lineCounter, this.doc);
  }

  /** The 1-based position of a source offset. */
  whereOffset(offset: number): Where {
    const { line, col } = this.lineCounter.linePos(offset);
    return { line, column: col };
  }

  /** The position of a node, or `fallback` when the node has no source range. */
  whereNode(node: Node | null | undefined, fallback: Where): Where {
    const start = node?.range?.[0];
    if (start === undefined) return fallback;
    // An empty value (`command:` and nothing after) is better pointed at its key.
    if (isScalar(node) && node.value === null && node.source === "") return fallback;
    return this.whereOffset(start);
  }

  /** Follow an alias (`*name`) to the node it names, so `&anchor` reuse validates normally. */
  resolve(node: unknown): Node | null {
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      return target === undefined ? null : target;
    }
    return isMap(node) || isSeq(node) || isScalar(node) ? node : null;
  }

  /** A node as plain data (maps to objects, aliases followed), for keys kept verbatim. */
  toData(node: Node | null): unknown {
    return node === null ? null : node.toJS(this.doc);
  }

  /** Record a problem; `expected` says what would be valid. */
  problem(
    code: ConfigProblem["code"],
    where: Where,
    keyPath: string,
    message: string,
    expected: string,
    got?: string,
  ): void {
    this.problems.push({
      code,
      file: this.file,
      line: where.line,
      column: where.column,
      keyPath,
      message,
      expected,
      ...(got === undefined ? {} : { got }),
    });
  }

  /** Record a problem found in another file (an env_file), at that file's own line:col. */
  problemInFile(problem: ConfigProblem): void {
    this.problems.push(problem);
  }

  /** Record a note: not an error, e.g. a key accepted but not yet acted on. */
  note(where: Where, keyPath: string, message: string): void {
    this.notes.push({ file: this.file, line: where.line, column: where.column, keyPath, message });
  }
}

/** A short description of a value for "got ...": strings quoted, collections by kind. */
export function describeNode(node: Node | null): string {
  if (node === null) return "nothing";
  if (isMap(node)) return "a map";
  if (isSeq(node)) return "a list";
  if (isScalar(node)) {
    if (node.value === null) return "nothing (null)";
    if (typeof node.value === "string") return JSON.stringify(node.value);
    return node.source ?? scalarText(node.value);
  }
  return "an unsupported YAML node";
}

/** A scalar's value as text: strings, numbers, booleans as they are; anything else as JSON. */
export function scalarText(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  return JSON.stringify(value) ?? "undefined";
}
