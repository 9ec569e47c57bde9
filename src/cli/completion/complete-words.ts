/**
 * What to offer at the cursor, from the command table: the shell scripts of `upkeep completion`
 * pass the words typed so far to `upkeep __complete SHELL -- WORDS…` and print what this
 * returns, so a command or flag added to the table is completed without touching a script.
 * Pure: where a service name goes it says so, and the caller reads the config for the names.
 */
import { globalFlags, helpFlag } from "../args.js";
import type { CommandSpec, FlagSpec } from "../command-spec.js";

/** One candidate, with the few words the shells that show them (zsh, fish) show beside it. */
export interface Candidate {
  word: string;
  description: string;
}

/**
 * Candidates; or "let the shell complete a file or directory name"; or "service names of the
 * config these global flags choose, but those already typed, that start with `prefix`".
 */
export type Completion =
  | { kind: "words"; candidates: Candidate[] }
  | { kind: "files" }
  | { kind: "directories" }
  | { kind: "names"; globals: TypedGlobals; exclude: string[]; prefix: string };

/** The words typed before the command that choose the config: handed to the name lister. */
export interface TypedGlobals {
  config?: string;
  stateDir?: string;
}

const NOTHING: Completion = { kind: "words", candidates: [] };

function flagWords(flags: readonly FlagSpec[]): Candidate[] {
  return flags.flatMap((f) =>
    [f.long, f.short]
      .filter((n): n is string => n !== undefined)
      .map((word) => ({ word, description: f.help })),
  );
}

/** The flag a word names (`--stream`, `-n`), if it is one of `flags`. */
function flagOf(word: string, flags: readonly FlagSpec[]): FlagSpec | undefined {
  return flags.find((f) => f.long === word || f.short === word);
}

/** What a flag's value may be: its choices, a file, a directory, or anything (nothing offered). */
function completeValue(flag: FlagSpec): Completion {
  if (flag.choices) return words(flag.choices.map((word) => ({ word, description: flag.help })));
  if (flag.valueName === "FILE") return { kind: "files" };
  if (flag.valueName === "DIR") return { kind: "directories" };
  return NOTHING;
}

function words(candidates: Candidate[]): Completion {
  return { kind: "words", candidates };
}

/** Keeps the candidates that start with what is typed. */
function matching(completion: Completion, current: string): Completion {
  if (completion.kind === "names") return { ...completion, prefix: current };
  if (completion.kind !== "words") return completion;
  return words(completion.candidates.filter((c) => c.word.startsWith(current)));
}

/**
 * `typed`: the words after the program name, the last one being the word at the cursor ("" on
 * a fresh word). Bash splits `--stream=out` into `--stream`, `=`, `out`: an `=` word is dropped
 * so the value is completed as after a space.
 */
export function completeWords(typed: readonly string[], table: readonly CommandSpec[]): Completion {
  const all = typed.filter((w, i) => !(w === "=" && i > 0 && (typed[i - 1] ?? "").startsWith("--")));
  const current = all.at(-1) ?? "";
  const before = all.slice(0, -1);
  return matching(completeAt(before, current, table), current);
}

function completeAt(before: readonly string[], current: string, table: readonly CommandSpec[]): Completion {
  const globals: TypedGlobals = {};
  let i = 0;
  for (; i < before.length; i++) {
    const word = before[i] as string;
    const flag = flagOf(word, globalFlags());
    if (flag && flag.kind !== "boolean") {
      const value = before[i + 1];
      if (value === undefined) return completeValue(flag);
      if (flag.key === "config") globals.config = value;
      if (flag.key === "stateDir") globals.stateDir = value;
      i += 1;
    } else if (!word.startsWith("-")) break;
  }
  const visible = table.filter((c) => c.hidden !== true);
  if (i >= before.length) {
    if (current.startsWith("-")) return words(flagWords(globalFlags()));
    return words(commandWords(visible));
  }
  const first = before[i] as string;
  if (first === "help") {
    if (i + 1 === before.length) return words(commandWords(visible).filter((c) => c.word !== "help"));
    const topic = before[i + 1] as string;
    const sub = visible.filter((c) => c.name.startsWith(`${topic} `));
    if (i + 2 !== before.length || sub.length === 0) return NOTHING;
    return words(sub.map((c) => ({ word: c.name.slice(topic.length + 1), description: c.summary })));
  }
  const group = visible.filter((c) => c.name.startsWith(`${first} `));
  let spec = visible.find((c) => c.name === first);
  let next = i + 1;
  if (group.length > 0) {
    if (next >= before.length)
      return words(group.map((c) => ({ word: c.name.slice(first.length + 1), description: c.summary })));
    spec = group.find((c) => c.name === `${first} ${before[next]}`);
    next += 1;
  }
  if (!spec) return NOTHING;
  return completeCommand(spec, before.slice(next), current, globals);
}

/** The first word of every command, a group (`config`) once, and `help`. */
function commandWords(table: readonly CommandSpec[]): Candidate[] {
  const seen = new Map<string, string>();
  for (const c of table) {
    const [word = c.name] = c.name.split(" ");
    if (!seen.has(word)) seen.set(word, word === c.name ? c.summary : `${word} commands`);
  }
  seen.set("help", "show the help of a command");
  return [...seen].map(([word, description]) => ({ word, description }));
}

/** After the command word(s): its flags, a flag's value, or a positional. */
function completeCommand(
  spec: CommandSpec,
  args: readonly string[],
  current: string,
  globals: TypedGlobals,
): Completion {
  const flags = [...spec.flags, helpFlag()];
  const positionals: string[] = [];
  let all = false;
  for (let k = 0; k < args.length; k++) {
    const word = args[k] as string;
    const flag = flagOf(word, flags);
    if (flag && flag.kind !== "boolean") {
      if (k + 1 === args.length) return completeValue(flag);
      k += 1;
    } else if (flag?.key === "all") all = true;
    else if (!word.startsWith("-")) positionals.push(word);
  }
  if (current.startsWith("-")) return words(flagWords(flags));
  const { name, max, choices } = spec.positionals;
  if (positionals.length >= max || all) return NOTHING;
  if (choices) return words(choices.map((word) => ({ word, description: spec.summary })));
  if (name !== "NAME") return NOTHING;
  return { kind: "names", globals, exclude: positionals, prefix: current };
}
