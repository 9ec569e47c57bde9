/**
 * The help text of `upkeep --help` and `upkeep help COMMAND`, built from the command table so
 * that the flags shown are exactly the flags parsed.
 */
import { globalFlags, helpFlag } from "./args.js";
import type { CommandSpec, FlagSpec } from "./command-spec.js";

function flagColumn(flag: FlagSpec): string {
  const names = [flag.short, flag.long].filter((n) => n !== undefined).join(", ");
  return flag.kind === "boolean" ? names : `${names} ${flag.valueName ?? "VALUE"}`;
}

function twoColumns(rows: readonly [string, string][]): string {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}\n`).join("");
}

const EXIT_CODES = "0 ok · 1 the action failed · 2 usage or config error · 3 the daemon is not running";

/** The manual page of a command (`upkeep-config-check`), as the package installs it. */
export function manPageName(spec: CommandSpec): string {
  return `upkeep-${spec.name.replaceAll(" ", "-")}`;
}

/**
 * Points only at what a package ships: the man pages built from docs/cli (scripts/build-man.mjs)
 * and this help, never at a file of the source tree.
 */
function footer(exitCodes: string, seeAlso: string): string {
  return `Exit codes: ${exitCodes}\nSee also: ${seeAlso}\n`;
}

function renderExamples(spec: CommandSpec): string {
  if (!spec.examples || spec.examples.length === 0) return "";
  return `Examples:\n${spec.examples.map((e) => `  ${e}\n`).join("")}\n`;
}

function renderOverview(table: readonly CommandSpec[]): string {
  const visible = table.filter((c) => c.hidden !== true);
  const commands = twoColumns(visible.map((c) => [`${c.name} ${c.usage}`.trimEnd(), c.summary]));
  const globals = twoColumns(
    globalFlags().map((f) => [
      flagColumn(f),
      f.key === "help" ? "show help; `upkeep help COMMAND` for one command" : f.help,
    ]),
  );
  return (
    "upkeep: keeps daemons running on Linux\n\n" +
    "Usage: upkeep [--config FILE] [--state-dir DIR] COMMAND [ARGS…]\n\n" +
    `Commands:\n${commands}\nGlobal options (before the command):\n${globals}\n` +
    "Examples:\n" +
    "  upkeep --config /etc/upkeep.yaml daemon --detach\n" +
    "  upkeep status\n" +
    "  upkeep help start\n\n" +
    footer(EXIT_CODES, "upkeep help COMMAND, man upkeep, man upkeep-COMMAND, man 5 upkeep.yaml")
  );
}

function renderCommand(spec: CommandSpec): string {
  const options = twoColumns([...spec.flags, helpFlag()].map((f) => [flagColumn(f), f.help]));
  const usage = `upkeep [--config FILE] [--state-dir DIR] ${spec.name} ${spec.usage}`.trimEnd();
  const description = spec.description
    .split("\n")
    .map((line) => `  ${line}\n`)
    .join("");
  const seeAlso = `man ${manPageName(spec)}, man upkeep`;
  return (
    `Usage: ${usage}\n\n${description}\nOptions:\n${options}\n${renderExamples(spec)}` +
    footer(spec.exitCodes ?? EXIT_CODES, seeAlso)
  );
}

/** The overview (no topic) or one command's help. */
export function renderHelp(table: readonly CommandSpec[], topic: CommandSpec | undefined): string {
  return topic ? renderCommand(topic) : renderOverview(table);
}
