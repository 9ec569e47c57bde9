/**
 * One line per problem or note, compiler style, so editors and grep can jump to it:
 * `FILE:LINE:COL: KEY.PATH: MESSAGE (got X; expected Y)`.
 */
import type { ConfigNote, ConfigProblem } from "./model.js";

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ");
}

function prefix(item: { file: string; line: number; column: number; keyPath: string }): string {
  const where = `${item.file}:${item.line}:${item.column}:`;
  return item.keyPath === "" ? where : `${where} ${item.keyPath}:`;
}

/** A config problem as one line: position, key path, what is wrong, what was found and wanted. */
export function formatProblem(problem: ConfigProblem): string {
  const facts = [
    ...(problem.got === undefined ? [] : [`got ${problem.got}`]),
    ...(problem.expected === "" ? [] : [`expected ${problem.expected}`]),
  ];
  const tail = facts.length === 0 ? "" : ` (${facts.join("; ")})`;
  return oneLine(`${prefix(problem)} ${problem.message}${tail}`);
}

/** A config note as one line, marked `note:` so it reads apart from problems. */
export function formatNote(note: ConfigNote): string {
  return oneLine(`${prefix(note)} note: ${note.message}`);
}
