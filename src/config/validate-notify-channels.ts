/**
 * The three channels of `notify:` (exec, webhook, email), each a map or a short form (a command,
 * a URL). Secrets (`secret_file`/`secret_env`, `password_file`/`password_env`) are checked to be
 * readable or set, never read into the config and never written into a problem: only their
 * file or variable name is.
 */
import { isMap, isScalar, isSeq } from "yaml";
import {
  DEFAULT_EMAIL_TIMEOUT_MS,
  DEFAULT_EXEC_TIMEOUT_MS,
  DEFAULT_NOTIFY_RETRIES,
  DEFAULT_SENDMAIL,
  DEFAULT_WEBHOOK_TIMEOUT_MS,
  STARTTLS_MODES,
  type EmailChannel,
  type ExecChannel,
  type WebhookChannel,
} from "./notify-model.js";
import { describeNode, type Field, type ProblemSink } from "./problem-sink.js";
import { readCheckedSection, seqItem } from "./read-map.js";
import { readEnum, readNumber, readString } from "./read-scalars.js";
import { readDuration, readPath } from "./read-typed.js";
import { readCommand } from "./validate-command.js";
import { checkReadableFile, readSecretSource, redactUrl } from "./validate-secret.js";
import { pick } from "./validate-policies.js";

export const EXEC_KEYS = ["command", "timeout", "retries"] as const;
export const WEBHOOK_KEYS = ["url", "timeout", "retries", "secret_file", "secret_env"] as const;
export const EMAIL_KEYS = [
  "smtp",
  "sendmail",
  "from",
  "to",
  "starttls",
  "ca_file",
  "user",
  "password_file",
  "password_env",
  "timeout",
  "retries",
] as const;

/** A timeout shorter than this could not reach any server: a typo (10ms for 10s). */
const MIN_TIMEOUT_MS = 100;
const MAX_RETRIES = 100;
const ADDRESS = /^[^\s@<>]+@[^\s@<>]+$/;

function readTimeout(sink: ProblemSink, field: Field | undefined, fallback: number): number {
  return (field && readDuration(sink, field, MIN_TIMEOUT_MS)) ?? fallback;
}

function readRetries(sink: ProblemSink, field: Field | undefined): number {
  return (
    (field && readNumber(sink, field, { min: 0, max: MAX_RETRIES, integer: true })) ?? DEFAULT_NOTIFY_RETRIES
  );
}

/** `exec: [argv]`, `exec: "cmd args"`, or `exec: { command, timeout, retries }`. */
export function readExecChannel(sink: ProblemSink, field: Field): ExecChannel | undefined {
  if (!isMap(field.value)) {
    const command = readCommand(sink, field);
    if (command === undefined) return undefined;
    return { kind: "exec", command, timeoutMs: DEFAULT_EXEC_TIMEOUT_MS, retries: DEFAULT_NOTIFY_RETRIES };
  }
  const read = readCheckedSection(sink, field, EXEC_KEYS);
  if (read === undefined) return undefined;
  const { section } = read;
  const commandField = section.get("command");
  if (commandField === undefined) {
    if (!read.hadUnknownKey)
      sink.problem(
        "CONFIG_MISSING_KEY",
        field.where,
        `${field.path}.command`,
        "exec has no command",
        "command: [/usr/local/bin/page-me]",
      );
    return undefined;
  }
  const command = readCommand(sink, commandField);
  const timeoutMs = readTimeout(sink, section.get("timeout"), DEFAULT_EXEC_TIMEOUT_MS);
  const retries = readRetries(sink, section.get("retries"));
  return command === undefined ? undefined : { kind: "exec", command, timeoutMs, retries };
}

/** A URL with one of `schemes` and a host; the problem shows it with its secrets cut out. */
function readUrl(sink: ProblemSink, field: Field, schemes: string[], example: string): URL | undefined {
  const text = readString(sink, field, `a URL like ${example}`);
  if (text === undefined) return undefined;
  const bad = (reason: string): undefined => {
    sink.problem(
      "CONFIG_BAD_VALUE",
      field.where,
      field.path,
      reason,
      `a URL like ${example}`,
      JSON.stringify(redactUrl(text)),
    );
    return undefined;
  };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return bad("not a valid URL");
  }
  if (!schemes.includes(url.protocol))
    return bad(
      `the scheme must be ${schemes.map((s) => s.slice(0, -1)).join(" or ")}, not ${url.protocol.slice(0, -1)}`,
    );
  if (url.hostname === "") return bad("the URL names no host");
  return url;
}

/** `webhook: URL` or `webhook: { url, timeout, retries, secret_file | secret_env }`. */
export function readWebhookChannel(
  sink: ProblemSink,
  field: Field,
  baseDir: string,
): WebhookChannel | undefined {
  const example = "https://hooks.example.com/upkeep";
  if (isScalar(field.value)) {
    const url = readUrl(sink, field, ["http:", "https:"], example);
    if (url === undefined) return undefined;
    return {
      kind: "webhook",
      url: url.href,
      timeoutMs: DEFAULT_WEBHOOK_TIMEOUT_MS,
      retries: DEFAULT_NOTIFY_RETRIES,
      secret: null,
    };
  }
  const read = readCheckedSection(sink, field, WEBHOOK_KEYS);
  if (read === undefined) return undefined;
  const { section } = read;
  const urlField = section.get("url");
  if (urlField === undefined && !read.hadUnknownKey)
    sink.problem(
      "CONFIG_MISSING_KEY",
      field.where,
      `${field.path}.url`,
      "webhook has no url",
      `url: ${example}`,
    );
  const url = urlField && readUrl(sink, urlField, ["http:", "https:"], example);
  const secret = readSecretSource(sink, field, section, "secret", baseDir);
  const timeoutMs = readTimeout(sink, section.get("timeout"), DEFAULT_WEBHOOK_TIMEOUT_MS);
  const retries = readRetries(sink, section.get("retries"));
  if (url === undefined || secret === undefined) return undefined;
  return { kind: "webhook", url: url.href, timeoutMs, retries, secret };
}

function readAddress(sink: ProblemSink, field: Field): string | undefined {
  const text = readString(sink, field, "a mail address like ops@example.com");
  if (text === undefined) return undefined;
  if (ADDRESS.test(text)) return text;
  sink.problem(
    "CONFIG_BAD_VALUE",
    field.where,
    field.path,
    "not a mail address",
    "a mail address like ops@example.com",
    describeNode(field.value),
  );
  return undefined;
}

function readAddresses(sink: ProblemSink, field: Field): string[] | undefined {
  if (!isSeq(field.value)) {
    const one = readAddress(sink, field);
    return one === undefined ? undefined : [one];
  }
  if (field.value.items.length === 0) {
    sink.problem(
      "CONFIG_BAD_VALUE",
      field.where,
      field.path,
      "no recipient",
      "a list of mail addresses like [ops@example.com]",
      "[]",
    );
    return undefined;
  }
  const out = field.value.items.map((raw, i) => readAddress(sink, seqItem(sink, field, raw, i)));
  return out.every((a): a is string => a !== undefined) ? out : undefined;
}

/** `sendmail: true` (the default path) or a path to the program. */
function readSendmail(sink: ProblemSink, field: Field, baseDir: string): string | undefined {
  if (isScalar(field.value) && field.value.value === true) return DEFAULT_SENDMAIL;
  if (isScalar(field.value) && field.value.value === false) {
    sink.problem(
      "CONFIG_BAD_VALUE",
      field.where,
      field.path,
      "sendmail: false names no way to send",
      `true (${DEFAULT_SENDMAIL}) or a path`,
      "false",
    );
    return undefined;
  }
  return readPath(sink, field, baseDir);
}

/** `email: { smtp | sendmail, from, to, starttls, ca_file, user, password_file | password_env, timeout, retries }`. */
export function readEmailChannel(sink: ProblemSink, field: Field, baseDir: string): EmailChannel | undefined {
  const read = readCheckedSection(sink, field, EMAIL_KEYS);
  if (read === undefined) return undefined;
  const { section, hadUnknownKey } = read;
  const smtpField = section.get("smtp");
  const sendmailField = section.get("sendmail");
  const missing = (key: string, message: string, expected: string): void => {
    if (!hadUnknownKey)
      sink.problem("CONFIG_MISSING_KEY", field.where, `${field.path}.${key}`, message, expected);
  };
  let ok = true;
  if (smtpField === undefined && sendmailField === undefined) {
    missing(
      "smtp",
      "email names no SMTP host and no sendmail",
      "smtp: smtp://mail.example.com:587, or sendmail: true where the host has an MTA",
    );
    ok = false;
  }
  if (smtpField !== undefined && sendmailField !== undefined) {
    sink.problem(
      "CONFIG_BAD_VALUE",
      sendmailField.keyWhere,
      sendmailField.path,
      "choose one way to send: smtp or sendmail",
      "either smtp: URL or sendmail: true|PATH",
    );
    ok = false;
  }
  const smtp = smtpField && readUrl(sink, smtpField, ["smtp:", "smtps:"], "smtp://mail.example.com:587");
  if (smtp !== undefined && smtp.password !== "") {
    sink.problem(
      "CONFIG_BAD_VALUE",
      smtpField!.where,
      smtpField!.path,
      "a password in the URL would be shown wherever the URL is; use password_file or password_env",
      "smtp://mail.example.com:587 with user: and password_file:",
      JSON.stringify(redactUrl(smtp.href)),
    );
    ok = false;
  }
  const sendmail = sendmailField && readSendmail(sink, sendmailField, baseDir);
  const fromField = section.get("from");
  if (fromField === undefined) missing("from", "email has no from address", "from: upkeep@host.example.com");
  const toField = section.get("to");
  if (toField === undefined) missing("to", "email has no recipient", "to: [ops@example.com]");
  const from = fromField && readAddress(sink, fromField);
  const to = toField && readAddresses(sink, toField);
  const password = readSecretSource(sink, field, section, "password", baseDir);
  const user =
    pick(section, "user", (f) => readString(sink, f, "a user name for SMTP AUTH")) ??
    (smtp?.username ? decodeURIComponent(smtp.username) : null);
  if (password !== undefined && password !== null && user === null) {
    missing(
      "user",
      "a password is set but no user to log in as",
      "user: upkeep (with password_file or password_env)",
    );
    ok = false;
  }
  if (user !== null && password === null && sendmail === undefined) {
    missing(
      "password_file",
      `user ${user} has no password`,
      "password_file: ./smtp.password, or password_env: SMTP_PASSWORD",
    );
    ok = false;
  }
  const caFile =
    pick(section, "ca_file", (f) => {
      const path = readPath(sink, f, baseDir);
      return path !== undefined && checkReadableFile(sink, f, path, "ca_file", "ca") ? path : undefined;
    }) ?? null;
  const starttls = pick(section, "starttls", (f) => readEnum(sink, f, STARTTLS_MODES)) ?? "opportunistic";
  const timeoutMs = readTimeout(sink, section.get("timeout"), DEFAULT_EMAIL_TIMEOUT_MS);
  const retries = readRetries(sink, section.get("retries"));
  if (!ok || from === undefined || to === undefined || password === undefined) return undefined;
  if (smtp === undefined && sendmail === undefined) return undefined;
  if (smtp !== undefined) smtp.username = "";
  return {
    kind: "email",
    smtp: smtp?.href ?? null,
    sendmail: sendmail ?? null,
    from,
    to,
    starttls,
    caFile,
    user,
    password,
    timeoutMs,
    retries,
  };
}
