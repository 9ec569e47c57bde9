/**
 * The help text of `upkeep --help` and `upkeep help COMMAND`, built from the command table so
 * that the flags shown are exactly the flags parsed.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
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

/** The docs folder shipped beside the bundle (dist/bundle/cli/ → docs/cli/), if it is there. */
const DOCS_DIR = fileURLToPath(new URL("../../../docs/cli/", import.meta.url));

/** Where the page is: its path in the installed package, else its place in the source. */
function docsLine(page: string): string {
  const path = join(DOCS_DIR, page);
  return existsSync(path) ? `Docs: ${path}\n` : `Docs: docs/cli/${page} in upkeep's source\n`;
}

function footer(exitCodes: string, page: string): string {
  return `Exit codes: ${exitCodes}\n${docsLine(page)}`;
}

function renderOverview(table: readonly CommandSpec[]): string {
  const commands = twoColumns(table.map((c) => [`${c.name} ${c.usage}`.trimEnd(), c.summary]));
  const globals = twoColumns(
    globalFlags().map((f) => [
      flagColumn(f),
      f.key === "help" ? "show help; `upkeep help COMMAND` for one command" : f.help,
    ]),
  );
  return (
    "upkeep: keeps daemons running on Linux\n\n" +
    "Usage: upkeep [--config FILE] [--state-dir DIR] COMMAND [ARGS…]\n\n" +
    `Commands:\n${commands}\nGlobal options (before the command):\n${globals}\n${footer(EXIT_CODES, "README.md")}`
  );
}

function renderCommand(spec: CommandSpec): string {
  const options = twoColumns([...spec.flags, helpFlag()].map((f) => [flagColumn(f), f.help]));
  const usage = `upkeep [--config FILE] [--state-dir DIR] ${spec.name} ${spec.usage}`.trimEnd();
  const description = spec.description
    .split("\n")
    .map((line) => `  ${line}\n`)
    .join("");
  const docName = spec.name.replace(" ", "-");
  return `Usage: ${usage}\n\n${description}\nOptions:\n${options}\n${footer(spec.exitCodes ?? EXIT_CODES, `${docName}.md`)}`;
}

/** The overview (no topic) or one command's help. */
export function renderHelp(table: readonly CommandSpec[], topic: CommandSpec | undefined): string {
  return topic ? renderCommand(topic) : renderOverview(table);
}
