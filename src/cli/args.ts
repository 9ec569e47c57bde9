/**
 * The hand-written argv parser (SPEC §4): global flags before the command, then the command's
 * own flags and positionals (the shapes are in command-spec.ts). It imports only the error
 * type and the typo guesser, since every command pays for loading it.
 */
import { UpkeepError } from "../core/errors.js";
import { closestWord } from "./closest-word.js";
import type { CommandSpec, FlagSpec, FlagValue, GlobalOptions, ParseResult } from "./command-spec.js";

const HELP_FLAG: FlagSpec = {
  key: "help",
  long: "--help",
  short: "-h",
  kind: "boolean",
  help: "show this help",
};

const GLOBAL_FLAGS: readonly FlagSpec[] = [
  {
    key: "config",
    long: "--config",
    kind: "string",
    valueName: "FILE",
    help: "the config file (default: $UPKEEP_CONFIG, else ./upkeep.yaml)",
  },
  {
    key: "stateDir",
    long: "--state-dir",
    kind: "string",
    valueName: "DIR",
    help: "the state dir (default: $UPKEEP_STATE_DIR, else state_dir of the config)",
  },
  HELP_FLAG,
  { key: "version", long: "--version", short: "-V", kind: "boolean", help: "print the version" },
];

/** The message prefix naming the command ("status: "), empty for the global flags. */
function at(where: string): string {
  return where === "" ? "" : `${where}: `;
}

function usageError(message: string, hint: string): UpkeepError {
  return new UpkeepError("USAGE_INVALID", message, { hint });
}

function flagLabel(flag: FlagSpec): string {
  return [flag.short, flag.long].filter((part) => part !== undefined).join("/");
}

function listFlags(flags: readonly FlagSpec[]): string {
  return flags.map(flagLabel).join(", ");
}

/** Turns the raw text after a value flag into its typed value, or says why it cannot. */
function convertValue(flag: FlagSpec, raw: string, where: string): FlagValue {
  const label = flagLabel(flag);
  if (flag.kind === "integer") {
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
      throw usageError(
        `${at(where)}${label} expects a whole number (0 or more), got '${raw}'`,
        `for example: ${flag.short ?? flag.long} 20`,
      );
    }
    return Number(raw);
  }
  if (raw === "")
    throw usageError(
      `${at(where)}${label} needs a non-empty ${flag.valueName ?? "value"}`,
      `for example: ${flag.long ?? flag.short} ${flag.valueName ?? "VALUE"}`,
    );
  if (flag.choices && !flag.choices.includes(raw)) {
    throw usageError(
      `${at(where)}${label} expects one of: ${flag.choices.join(", ")}; got '${raw}'`,
      `for example: ${flag.long ?? flag.short}=${flag.choices[0] ?? ""}`,
    );
  }
  return raw;
}

/**
 * Reads flags and positionals from `argv` (consumed from `start`) until the end, or until the
 * first positional when `stopAtPositional` is set (the global part, before the command word).
 * Returns the index where it stopped.
 */
function readFlags(
  argv: readonly string[],
  start: number,
  flags: readonly FlagSpec[],
  where: string,
  out: { flags: Record<string, FlagValue>; positionals: string[] },
  stopAtPositional: boolean,
): number {
  const unknown = (word: string): UpkeepError => {
    const global = GLOBAL_FLAGS.find((f) => f.long === word && (f.key === "config" || f.key === "stateDir"));
    if (global && !stopAtPositional) {
      return usageError(
        `${at(where)}${word} is a global flag and goes before the command`,
        `for example: upkeep ${word} ${global.valueName ?? "VALUE"} ${where} …`,
      );
    }
    const guess = closestWord(
      word,
      flags.flatMap((f) => [f.long, f.short].filter((s): s is string => s !== undefined)),
    );
    return usageError(
      `${at(where)}unknown flag '${word}'${guess ? ` (did you mean ${guess}?)` : ""}`,
      `valid flags here: ${listFlags(flags)}`,
    );
  };
  let i = start;
  while (i < argv.length) {
    const word = argv[i] as string;
    if (word === "--") {
      if (stopAtPositional) return i + 1;
      out.positionals.push(...argv.slice(i + 1));
      return argv.length;
    }
    if (word.startsWith("--")) {
      const eq = word.indexOf("=");
      const name = eq === -1 ? word : word.slice(0, eq);
      const flag = flags.find((f) => f.long === name);
      if (!flag) throw unknown(name);
      if (flag.kind === "boolean") {
        if (eq !== -1)
          throw usageError(`${at(where)}${name} takes no value, got '${word}'`, `write it alone: ${name}`);
        out.flags[flag.key] = true;
        i += 1;
        continue;
      }
      const raw = eq !== -1 ? word.slice(eq + 1) : argv[i + 1];
      if (raw === undefined)
        throw usageError(
          `${at(where)}${name} needs a value (${flag.valueName ?? "VALUE"})`,
          `for example: ${name} ${flag.valueName ?? "VALUE"}`,
        );
      out.flags[flag.key] = convertValue(flag, raw, where);
      i += eq !== -1 ? 1 : 2;
      continue;
    }
    if (word.startsWith("-") && word.length > 1) {
      // A cluster of short flags: "-f", "-fn20", "-n", "20".
      let j = 1;
      let consumedNext = false;
      while (j < word.length) {
        const short = `-${word[j]}`;
        const flag = flags.find((f) => f.short === short);
        if (!flag) throw unknown(short);
        if (flag.kind === "boolean") {
          out.flags[flag.key] = true;
          j += 1;
          continue;
        }
        const rest = word.slice(j + 1);
        const raw = rest !== "" ? rest : argv[i + 1];
        if (raw === undefined)
          throw usageError(
            `${at(where)}${short} needs a value (${flag.valueName ?? "VALUE"})`,
            `for example: ${short} ${flag.valueName ?? "VALUE"}`,
          );
        out.flags[flag.key] = convertValue(flag, raw, where);
        consumedNext = rest === "";
        break;
      }
      i += consumedNext ? 2 : 1;
      continue;
    }
    if (stopAtPositional) return i;
    out.positionals.push(word);
    i += 1;
  }
  return i;
}

/** Checks the positional words against the command's rules. */
function checkPositionals(spec: CommandSpec, flags: Record<string, FlagValue>, positionals: string[]): void {
  const where = spec.name;
  const command = `upkeep ${spec.name}`;
  const { name, min, max } = spec.positionals;
  if (spec.namesOrAll) {
    if (flags.all === true && positionals.length > 0) {
      throw usageError(
        `${at(where)}give service names or --all, not both`,
        `for example: ${command} ${positionals[0]}`,
      );
    }
    if (flags.all !== true && positionals.length === 0) {
      throw usageError(
        `${at(where)}which services? give one or more ${name} or --all`,
        `for example: ${command} --all`,
      );
    }
    return;
  }
  if (positionals.length < min) {
    throw usageError(`${at(where)}missing ${name}`, `usage: ${command} ${spec.usage}`);
  }
  if (positionals.length > max) {
    const extra = positionals
      .slice(max)
      .map((p) => `'${p}'`)
      .join(", ");
    const expects = max === 0 ? "takes no arguments" : `takes at most ${max} ${name}`;
    throw usageError(`${where} ${expects}; unexpected: ${extra}`, `usage: ${command} ${spec.usage}`);
  }
  const { choices } = spec.positionals;
  const wrong = choices ? positionals.find((p) => !choices.includes(p)) : undefined;
  if (choices && wrong !== undefined) {
    throw usageError(
      `${at(where)}${name} must be one of: ${choices.join(", ")}; got '${wrong}'`,
      `for example: ${command} ${choices[0] ?? ""}`,
    );
  }
}

function findCommand(
  table: readonly CommandSpec[],
  argv: readonly string[],
  i: number,
): { spec: CommandSpec; next: number } {
  const word = argv[i] as string;
  const commandWords = [
    ...new Set(table.filter((c) => c.hidden !== true).map((c) => c.name.split(" ")[0] as string)),
  ];
  const groups = table.filter((c) => c.name.startsWith(`${word} `));
  if (groups.length > 0) {
    const sub = argv[i + 1];
    const spec = groups.find((c) => c.name === `${word} ${sub ?? ""}`);
    const valid = groups.map((c) => c.name.slice(word.length + 1)).join(", ");
    if (!spec) {
      throw usageError(
        sub === undefined ? `${word}: missing subcommand` : `${word}: unknown subcommand '${sub}'`,
        `valid: ${groups.map((c) => `upkeep ${c.name}`).join(", ")} (subcommands: ${valid})`,
      );
    }
    return { spec, next: i + 2 };
  }
  const spec = table.find((c) => c.name === word);
  if (!spec) {
    const guess = closestWord(word, commandWords);
    throw usageError(
      `unknown command '${word}'${guess ? ` (did you mean '${guess}'?)` : ""}`,
      `commands: ${commandWords.join(", ")}; see: upkeep --help`,
    );
  }
  return { spec, next: i + 1 };
}

/** Parses the whole argv (without node and the script) against the command table. */
export function parseArgv(argv: readonly string[], table: readonly CommandSpec[]): ParseResult {
  const global = { flags: {} as Record<string, FlagValue>, positionals: [] as string[] };
  const i = readFlags(argv, 0, GLOBAL_FLAGS, "", global, true);
  if (global.flags.version === true) return { kind: "version" };
  if (global.flags.help === true) return { kind: "help", topic: undefined };
  const globals: GlobalOptions = {};
  if (typeof global.flags.config === "string") globals.config = global.flags.config;
  if (typeof global.flags.stateDir === "string") globals.stateDir = global.flags.stateDir;
  if (i >= argv.length) return { kind: "help", topic: undefined, missing: true };
  if (argv[i] === "help") {
    if (i + 1 >= argv.length) return { kind: "help", topic: undefined };
    const { spec, next } = findCommand(table, argv, i + 1);
    if (next < argv.length)
      throw usageError(
        `help takes one command, got '${argv.slice(i + 1).join(" ")}'`,
        "for example: upkeep help status",
      );
    return { kind: "help", topic: spec };
  }
  const { spec, next } = findCommand(table, argv, i);
  const flags = [...spec.flags, HELP_FLAG];
  const out = { flags: {} as Record<string, FlagValue>, positionals: [] as string[] };
  try {
    readFlags(argv, next, flags, spec.name, out, false);
    if (out.flags.help === true) return { kind: "help", topic: spec };
    checkPositionals(spec, out.flags, out.positionals);
  } catch (err) {
    // Which command the bad arguments were for: `check` answers them in its own convention.
    if (err instanceof UpkeepError) err.details.command = spec.name;
    throw err;
  }
  return { kind: "run", command: { spec, globals, flags: out.flags, positionals: out.positionals } };
}

/** The global flags, for the help text. */
export function globalFlags(): readonly FlagSpec[] {
  return GLOBAL_FLAGS;
}

/** Help flag shared by every command, for the help text. */
export function helpFlag(): FlagSpec {
  return HELP_FLAG;
}
