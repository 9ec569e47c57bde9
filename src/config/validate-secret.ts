/**
 * Secrets of `notify:` (a webhook's HMAC key, an SMTP password): from a file (`*_file`, its
 * first line) or a variable of the daemon's environment (`*_env`). The config holds only where
 * a secret is; validation proves it can be read, and no problem or note ever shows its value.
 */
import { deleteDaemonVariable } from "../core/daemon-env.js";
import { statSync } from "node:fs";
import { readSmallFile } from "../core/read-small-file.js";
import type { Config } from "./model.js";
import { channelsOf, effectiveNotify, type SecretSource } from "./notify-model.js";
import type { Field, ProblemSink } from "./problem-sink.js";
import { readString } from "./read-scalars.js";
import { readPath } from "./read-typed.js";

/** A secret file larger than this is not a secret but a mistake (a key pair, a log). */
export const SECRET_MAX_BYTES = 64 * 1024;
/** A CA file is public and may be a whole bundle (the system's is over 200 KiB). */
export const CA_FILE_MAX_BYTES = 4 * 1024 * 1024;
const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A URL as it may be shown: no user or password, and no path or query (a hook's path is often its key). */
export function redactUrl(text: string): string {
  try {
    const url = new URL(text);
    const rest = (url.pathname === "/" || url.pathname === "") && url.search === "" ? "" : "/…";
    return `${url.protocol}//${url.host}${rest}`;
  } catch {
    return "(not a URL)";
  }
}

/** Why the file cannot be read as a small regular file, or null when it can. */
export function unreadableReason(path: string, maxBytes = SECRET_MAX_BYTES): string | null {
  const read = readSmallFile(path, maxBytes);
  if (read.kind === "absent") return "no such file";
  if (read.kind === "refused") return read.reason;
  if (read.text.trim() === "") return "it is empty";
  return null;
}

/** A file the config names must be readable now: a problem at its key when it is not. */
export function checkReadableFile(
  sink: ProblemSink,
  field: Field,
  path: string,
  what: string,
  kind: "secret" | "ca" = "secret",
): boolean {
  const reason = unreadableReason(path, kind === "ca" ? CA_FILE_MAX_BYTES : SECRET_MAX_BYTES);
  if (reason === null) return true;
  sink.problem(
    "CONFIG_BAD_VALUE",
    field.where,
    field.path,
    `cannot read ${what} ${path}: ${reason}`,
    kind === "ca"
      ? `a readable regular file of PEM certificates (at most ${CA_FILE_MAX_BYTES / 1024 ** 2} MiB)`
      : `a readable regular file (at most ${SECRET_MAX_BYTES / 1024} KiB) owned by the daemon's user, mode 0600`,
    JSON.stringify(path),
  );
  return false;
}

/**
 * `<prefix>_file` or `<prefix>_env` of a section: where the secret is, null when neither is
 * set, undefined after a problem (both set, an unreadable file, a variable not set).
 */
export function readSecretSource(
  sink: ProblemSink,
  parent: Field,
  section: Map<string, Field>,
  prefix: string,
  baseDir: string,
): SecretSource | null | undefined {
  const fileField = section.get(`${prefix}_file`);
  const envField = section.get(`${prefix}_env`);
  if (fileField !== undefined && envField !== undefined) {
    const expected = `either ${prefix}_file: PATH or ${prefix}_env: VARIABLE`;
    sink.problem(
      "CONFIG_BAD_VALUE",
      envField.keyWhere,
      `${parent.path}.${prefix}_env`,
      `${prefix}_file and ${prefix}_env both set: choose one`,
      expected,
    );
    return undefined;
  }
  if (fileField !== undefined) {
    const path = readPath(sink, fileField, baseDir);
    if (path === undefined) return undefined;
    if (!checkReadableFile(sink, fileField, path, `${prefix}_file`)) return undefined;
    noteOpenMode(sink, fileField, path);
    return { file: path };
  }
  if (envField !== undefined) {
    const name = readString(sink, envField, "a variable name like SMTP_PASSWORD");
    if (name === undefined) return undefined;
    if (!VARIABLE.test(name)) {
      sink.problem(
        "CONFIG_BAD_VALUE",
        envField.where,
        envField.path,
        "not a variable name",
        "a variable name like SMTP_PASSWORD",
        JSON.stringify(name),
      );
      return undefined;
    }
    const value = variable(name);
    if (value === undefined || value === "") {
      sink.problem(
        "CONFIG_BAD_VALUE",
        envField.where,
        envField.path,
        `the variable ${name} is not set (or empty) in this environment`,
        `export ${name} in the daemon's environment (and in the shell that runs config check), or use ${prefix}_file`,
        JSON.stringify(name),
      );
      return undefined;
    }
    return { env: name };
  }
  return null;
}

/** A secret file that others may read is worth a note (not a problem: the operator may mean it). */
function noteOpenMode(sink: ProblemSink, field: Field, path: string): void {
  let mode: number;
  try {
    mode = statSync(path).mode & 0o777;
  } catch (err) {
    // Read a moment ago: a file gone in between is reported when a message is sent.
    sink.note(field.where, field.path, `${path} could not be looked at: ${(err as Error).message}`);
    return;
  }
  if ((mode & 0o077) === 0) return;
  const octal = mode.toString(8).padStart(4, "0");
  sink.note(field.where, field.path, `${path} (mode ${octal}) can be read by other users: chmod 600 ${path}`);
}

/**
 * Values of the variables named by `*_env`, taken out of the daemon's environment
 * (holdSecretVariables): a service inherits the daemon's environment, and a notify password
 * there would be readable in /proc/PID/environ by the service's user.
 */
const heldVariables = new Map<string, string>();

function variable(name: string): string | undefined {
  return heldVariables.get(name) ?? process.env[name];
}

/** Every variable that `*_env` keys of the config name. */
export function notifySecretVariables(config: Config): string[] {
  const all = [config.notify, ...config.services.map((s) => effectiveNotify(config.notify, s.notify))];
  const names = new Set<string>();
  const add = (source: SecretSource | null): void => {
    if (source !== null && "env" in source) names.add(source.env);
  };
  for (const settings of all)
    for (const channel of channelsOf(settings)) {
      if (channel.kind === "webhook") add(channel.secret);
      if (channel.kind === "email") add(channel.password);
    }
  return [...names];
}

/**
 * The daemon moves the variables named by `*_env` out of its environment into memory, so no
 * service and no program it starts inherits them; readSecret still finds them.
 */
export function holdSecretVariables(names: readonly string[]): void {
  for (const name of names) {
    const value = process.env[name];
    if (value === undefined) continue;
    heldVariables.set(name, value);
    deleteDaemonVariable(name); // also out of the copy services inherit
  }
}

/** The secret's value, read now (when a message is sent); throws a message that names only where it is. */
export function readSecret(source: SecretSource): string {
  if ("env" in source) {
    const value = variable(source.env);
    if (value === undefined || value === "") throw new Error(`the variable ${source.env} is not set`);
    return value;
  }
  const read = readSmallFile(source.file, SECRET_MAX_BYTES);
  if (read.kind !== "text")
    throw new Error(`cannot read ${source.file}: ${read.kind === "absent" ? "no such file" : read.reason}`);
  const line = read.text.split(/\r?\n/, 1)[0] ?? "";
  if (line === "") throw new Error(`${source.file} is empty`);
  return line;
}
