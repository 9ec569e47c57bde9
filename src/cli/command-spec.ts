/**
 * The shapes shared by the parser, the command table and the commands: what a command
 * accepts and what the parser hands it. Types only, so importing this costs nothing at run time.
 */
import type { CliIo } from "./io.js";

export type FlagKind = "boolean" | "integer" | "string";
export type FlagValue = string | number | boolean;

/** One flag a command accepts. `key` names it in `ParsedCommand.flags`. */
export interface FlagSpec {
  key: string;
  long?: string; // "--json"
  short?: string; // "-n"
  kind: FlagKind;
  choices?: readonly string[];
  valueName?: string; // placeholder in help: N, FILE
  help: string;
}

/** What a command module exports: run it, get the exit code back (only main.ts exits). */
export interface CommandModule {
  run(command: ParsedCommand, io: CliIo): Promise<number>;
}

/** A command: its flags, its positionals, and how to load its module (lazily). */
export interface CommandSpec {
  name: string; // "status", "config check"
  summary: string;
  usage: string; // after the command name: "[NAME…] [--json]"
  description: string;
  flags: readonly FlagSpec[];
  /** Positional words: how many, their name in messages, and the words allowed (completion). */
  positionals: { name: string; min: number; max: number; choices?: readonly string[] };
  /** The exit codes line of its help, where they differ from upkeep's own (check). */
  exitCodes?: string;
  /** NAME… or --all, never both, never neither (start, stop, restart, reload, reset). */
  namesOrAll?: boolean;
  /** Command lines shown under "Examples:" in its help (a `# comment` may follow). */
  examples?: readonly string[];
  /** Left out of the help, the docs and completion: the shell scripts' own call-back. */
  hidden?: boolean;
  load: () => Promise<CommandModule>;
}

export interface GlobalOptions {
  config?: string;
  stateDir?: string;
}

export interface ParsedCommand {
  spec: CommandSpec;
  globals: GlobalOptions;
  flags: Record<string, FlagValue>;
  positionals: string[];
}

export type ParseResult =
  | { kind: "run"; command: ParsedCommand }
  /** `missing`: no command was given, so the help answers a usage error (stderr, exit 2). */
  | { kind: "help"; topic: CommandSpec | undefined; missing?: boolean }
  | { kind: "version" };
