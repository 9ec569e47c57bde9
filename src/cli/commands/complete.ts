/**
 * `upkeep __complete SHELL -- WORDS…` (hidden): what the completion scripts call at each TAB.
 * Prints one candidate per line (with a description for zsh and fish), or `__files__` /
 * `__dirs__`. Service names come from the config, never from the daemon (it may be down): the
 * file that --config on the typed line, $UPKEEP_CONFIG or ./upkeep.yaml names; a config that
 * cannot be read offers no names, and says nothing: a completion must never print an error.
 */
import { SERVICE_NAME_PATTERN } from "../../config/schema.js";
import { readRegularFile } from "../../core/read-small-file.js";
import type { ParsedCommand } from "../command-spec.js";
import { COMMANDS } from "../command-table.js";
import { completeWords, type Candidate, type TypedGlobals } from "../completion/complete-words.js";
import type { CliIo } from "../io.js";
import { resolveTarget } from "../target.js";

/**
 * The service names of the config, instances expanded, and `web` for the `web@…` group. The
 * daemon's snapshot of the config is used when the file is still the text it was made from (as
 * `check` does: no YAML parse and validation, whose cost grows with the number of services).
 */
async function listServiceNames(globals: TypedGlobals, io: CliIo): Promise<string[]> {
  const target = resolveTarget(globals, io.env, io.cwd);
  let text: string;
  try {
    text = readRegularFile(target.configFile);
  } catch (err) {
    void err; // no config here: no names to offer, and a completion prints no error
    return [];
  }
  const { readConfigSnapshot } = await import("../../config/snapshot.js");
  let config = readConfigSnapshot(target.stateDir, target.configFile, text);
  if (config === null) {
    const { loadConfigText } = await import("../../config/load.js");
    const loaded = loadConfigText(text, target.configFile);
    if (!loaded.ok) return [];
    config = loaded.config;
  }
  const names = new Set<string>();
  for (const s of config.services) {
    if (s.instanceOf !== null) names.add(s.instanceOf);
    names.add(s.name);
  }
  // The snapshot is a file in the state dir, not checked like the YAML: only words a config
  // could declare reach the shell (no newline, no quote, nothing a shell would read as syntax).
  return [...names].filter((name) => name.split("@").every((part) => SERVICE_NAME_PATTERN.test(part)));
}

/** One line per candidate in the form the shell's script reads. */
function formatCandidate(shell: string, c: Candidate): string {
  if (shell === "zsh") return `${c.word.replaceAll(":", "\\:")}:${c.description}`;
  if (shell === "fish") return `${c.word}\t${c.description}`;
  return c.word;
}

/** Prints the candidates for the typed words (see the file's comment). */
export async function run(command: ParsedCommand, io: CliIo): Promise<number> {
  const [shell = "bash", ...typed] = command.positionals;
  const completion = completeWords(typed, COMMANDS);
  let candidates: Candidate[] = [];
  switch (completion.kind) {
    case "files":
      io.stdout.write("__files__\n");
      return 0;
    case "directories":
      io.stdout.write("__dirs__\n");
      return 0;
    case "words":
      candidates = completion.candidates;
      break;
    case "names": {
      const { globals, exclude, prefix } = completion;
      const names = await listServiceNames({ ...command.globals, ...globals }, io);
      candidates = names
        .filter((n) => n.startsWith(prefix) && !exclude.includes(n))
        .map((word) => ({ word, description: "service" }));
      break;
    }
  }
  io.stdout.write(candidates.map((c) => `${formatCandidate(shell, c)}\n`).join(""));
  return 0;
}
