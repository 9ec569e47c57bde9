/**
 * `upkeep completion bash|zsh|fish`: prints the shell's completion script
 * (completion/shell-scripts.ts); the script asks `upkeep __complete` at each TAB.
 */
import type { ParsedCommand } from "../command-spec.js";
import { COMPLETION_SHELLS, completionScript, type CompletionShell } from "../completion/shell-scripts.js";
import type { CliIo } from "../io.js";

function isShell(word: string | undefined): word is CompletionShell {
  return (COMPLETION_SHELLS as readonly (string | undefined)[]).includes(word);
}

/** Prints the script; the parser has checked the shell's name against the choices. */
export function run(command: ParsedCommand, io: CliIo): Promise<number> {
  const shell = command.positionals[0];
  if (!isShell(shell)) return Promise.resolve(2); // unreachable: the parser checks the choices
  io.stdout.write(completionScript(shell));
  return Promise.resolve(0);
}
