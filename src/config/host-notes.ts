/**
 * What this host says of a service's `user`, `group`, `cwd` and `command`: a user that does not
 * exist, a missing folder, a program not found or not executable. These are notes, not
 * problems: the config may be checked on another host than the one it runs on, or before a
 * package creates the user (docs/config.md). At run time the same faults fail the start with a
 * reason naming the key (src/service/spawn.ts).
 */
import { statSync } from "node:fs";
import { errnoOf } from "../core/errors.js";
import { lookUpExecutable } from "../core/resolve-executable.js";
import { resolveGroup, resolveUser } from "../core/users.js";
import type { ServiceConfig } from "./model.js";
import type { Field, ProblemSink } from "./problem-sink.js";

const CANNOT_START = "the service cannot start until it";

/**
 * Notes each of the service's host-dependent keys this host cannot satisfy now: the cwd always,
 * user, group and command with `all` (config check; a daemon's own load does not look them up).
 */
export function noteHostMismatches(
  sink: ProblemSink,
  section: Map<string, Field>,
  service: ServiceConfig,
  all: boolean,
): void {
  const cwdField = section.get("cwd");
  const cwdOk = cwdField === undefined || noteCwd(sink, cwdField, service.cwd);
  if (!all) return;
  const userField = section.get("user");
  if (userField !== undefined && service.user !== null)
    noteUnknown(sink, userField, () => resolveUser(service.user!));
  const groupField = section.get("group");
  if (groupField !== undefined && service.group !== null)
    noteUnknown(sink, groupField, () => resolveGroup(service.group!));
  const commandField = section.get("command");
  const program = service.command[0];
  // A relative program in a missing cwd is told by the cwd note.
  if (commandField === undefined || program === undefined || (!cwdOk && program.includes("/"))) return;
  const found = lookUpExecutable(program, service.env["PATH"] ?? process.env["PATH"] ?? "", service.cwd);
  if (!found.ok) sink.note(commandField.where, commandField.path, `${found.reason}; ${CANNOT_START} is`);
}

/** Notes a cwd that is not a folder now; true when it is one. */
function noteCwd(sink: ProblemSink, field: Field, cwd: string): boolean {
  try {
    if (statSync(cwd).isDirectory()) return true;
    sink.note(field.where, field.path, `cwd ${cwd} is not a directory; the service cannot start`);
  } catch (err) {
    // Not an error at load time: the folder may be created before the service starts.
    const code = errnoOf(err) ?? String(err);
    const what = code === "ENOENT" ? "does not exist yet" : `cannot be used now (${code})`;
    sink.note(field.where, field.path, `cwd ${cwd} ${what}; ${CANNOT_START} does`);
  }
  return false;
}

/** Notes the message of an unknown user or group (resolve throws it). */
function noteUnknown(sink: ProblemSink, field: Field, resolve: () => unknown): void {
  try {
    resolve();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    sink.note(field.where, field.path, `${message}; ${CANNOT_START} exists`);
  }
}
