/**
 * `upkeep config check`: validates the config without a daemon and prints every problem, one
 * line each (file:line:col: key.path: message), or "config OK" with the notes.
 */
import { formatNote, formatProblem } from "../../config/format-problem.js";
import { loadConfig } from "../../config/load.js";
import type { ParsedCommand } from "../command-spec.js";
import { writeLine, type CliIo } from "../io.js";
import { locateConfig, stateDirOverride } from "../target.js";

/** Exit 0 with "config OK: FILE (N services)", or 2 after listing the problems. */
export function checkConfig(command: ParsedCommand, io: CliIo): number {
  const file = locateConfig(command.globals, io.env, io.cwd);
  const override = stateDirOverride(command.globals, io.env, io.cwd);
  const result = loadConfig(file, {
    hostChecks: true,
    ...(override === undefined ? {} : { stateDirOverride: override }),
  });
  if (result.ok) {
    const count = result.config.services.length;
    writeLine(io.stdout, `config OK: ${file} (${count} ${count === 1 ? "service" : "services"})`);
    for (const note of result.notes) writeLine(io.stdout, formatNote(note));
    return 0;
  }
  for (const problem of result.problems) writeLine(io.stdout, formatProblem(problem));
  for (const note of result.notes) writeLine(io.stdout, formatNote(note));
  const count = result.problems.length;
  writeLine(io.stdout, `${count} ${count === 1 ? "problem" : "problems"}`);
  return 2;
}

/** The command entry: synchronous work, in the shape every command module shares. */
export function run(command: ParsedCommand, io: CliIo): Promise<number> {
  return Promise.resolve(checkConfig(command, io));
}
