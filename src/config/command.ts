/**
 * A string `command` is split into argv the way a shell splits words (quotes, backslashes),
 * but upkeep never runs a shell: anything that needs one (pipes, redirections, `&&`, `$VAR`,
 * `$(...)`, backticks, globs) is refused with the way to ask for a shell explicitly.
 */
import { parse } from "shell-quote";

export type SplitResult = { ok: true; argv: string[] } | { ok: false; reason: string };

const NO_SHELL = "upkeep never runs a shell; write [sh, -c, '...'] if you need one";

/** Find what only a shell would act on, outside single quotes; also unterminated quotes. */
function findShellSyntax(text: string): string | undefined {
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote === "'") {
      if (c === "'") quote = null;
      continue;
    }
    if (c === "\\") {
      i++; // the next character is literal, inside double quotes too
      continue;
    }
    if (c === "`") return "contains a backtick command substitution";
    if (c === "$") {
      return text[i + 1] === "("
        ? "contains a $(...) command substitution"
        : "contains a $ variable expansion";
    }
    if (quote === '"') {
      if (c === '"') quote = null;
    } else if (c === "'" || c === '"') {
      quote = c;
    }
  }
  return quote === null ? undefined : `has an unterminated ${quote} quote`;
}

/** Split a command string into argv, or say why it needs a shell or cannot be read. */
export function splitCommand(text: string): SplitResult {
  const syntax = findShellSyntax(text);
  if (syntax !== undefined) return { ok: false, reason: `the command ${syntax}: ${NO_SHELL}` };
  const argv: string[] = [];
  for (const entry of parse(text)) {
    if (typeof entry === "string") {
      argv.push(entry);
    } else if ("comment" in entry) {
      return { ok: false, reason: `the command contains a '#' comment: quote the '#', or ${NO_SHELL}` };
    } else if (entry.op === "glob") {
      return {
        ok: false,
        reason: `the command contains the glob '${entry.pattern}', which only a shell expands: ${NO_SHELL}`,
      };
    } else {
      return { ok: false, reason: `the command contains the shell operator '${entry.op}': ${NO_SHELL}` };
    }
  }
  const first = argv[0];
  if (first === undefined || first === "") return { ok: false, reason: "the command is empty" };
  if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(first)) {
    return {
      ok: false,
      reason: `'${first}' is an environment assignment, which only a shell reads: put it under env:`,
    };
  }
  return { ok: true, argv };
}
