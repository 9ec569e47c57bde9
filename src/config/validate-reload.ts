/**
 * How a service reloads (SPEC §2 "Reload"): `reload_signal: SIGHUP`, or `reload: { command,
 * timeout }` (systemd's ExecReload). Neither is assumed: a program that does not handle the
 * signal dies of it (SIGHUP's default action is to terminate), so a service has a reload only
 * when its config says so. One way only: both together are a problem.
 */
import type { ReloadConfig } from "./model.js";
import type { Field, ProblemSink } from "./problem-sink.js";
import { readSection } from "./read-map.js";
import { readDuration, readSignal } from "./read-typed.js";
import { DEFAULT_RELOAD_TIMEOUT_MS, RELOAD_KEYS } from "./schema.js";
import { readCommand } from "./validate-command.js";
import { pick } from "./validate-policies.js";

export interface ReloadRead {
  reloadSignal: NodeJS.Signals | null;
  reload: ReloadConfig | null;
}

/** `reload_signal` and `reload` of a service section. */
export function readReloadKeys(sink: ProblemSink, section: ReadonlyMap<string, Field>): ReloadRead {
  // SIGKILL and SIGSTOP cannot be handled, so as a reload they would only kill or freeze.
  const signalField = section.get("reload_signal");
  const reloadSignal =
    signalField === undefined ? null : (readSignal(sink, signalField, ["SIGKILL", "SIGSTOP"]) ?? null);
  const reloadField = section.get("reload");
  const reload = reloadField === undefined ? null : readReload(sink, reloadField);
  if (signalField !== undefined && reloadField !== undefined) {
    sink.problem(
      "CONFIG_BAD_VALUE",
      reloadField.keyWhere,
      reloadField.path,
      "a service reloads one way only: reload_signal and reload.command are both set",
      "either reload_signal: SIGHUP (the program reloads on that signal) or reload: { command: [...] }, not both",
    );
  }
  return { reloadSignal, reload };
}

/** `reload: { command: [argv...], timeout: 30s }`. */
function readReload(sink: ProblemSink, field: Field): ReloadConfig | null {
  const section = readSection(sink, field, RELOAD_KEYS);
  if (section === undefined) return null;
  const commandField = section.get("command");
  if (commandField === undefined) {
    sink.problem(
      "CONFIG_MISSING_KEY",
      field.keyWhere,
      `${field.path}.command`,
      "reload has no command",
      "reload: { command: [kill, -USR2, $MAINPID] }: an argv list, or a string; $MAINPID is in its environment",
    );
    return null;
  }
  const command = readCommand(sink, commandField);
  if (command === undefined) return null;
  // A zero timeout would fail every reload before its command could run.
  const timeoutMs = pick(section, "timeout", (f) => readDuration(sink, f, 1)) ?? DEFAULT_RELOAD_TIMEOUT_MS;
  return { command, timeoutMs };
}
