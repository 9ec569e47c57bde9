/**
 * The probe of a `ready`, `health` or `condition` section: exactly one kind key (tcp, http,
 * exec, log, notify, path; which ones depends on the section) and, for http, its `body` regex.
 */
import { isScalar } from "yaml";
import type { ProbeKind, ProbeSpec } from "./model.js";
import { describeNode, type Field, type ProblemSink } from "./problem-sink.js";
import type { CheckedSection } from "./read-map.js";
import { readBoolean, readNumber, readString } from "./read-scalars.js";
import { readPath, readRegex } from "./read-typed.js";
import { DEFAULT_PROBE_HOST } from "./schema.js";
import { readCommand } from "./validate-command.js";
import { parseListen } from "./validate-http.js";

const TCP_EXPECTED = "a port number, or HOST:PORT such as db.local:5432 or [::1]:5432";
const HTTP_EXPECTED = "an http:// or https:// URL, like http://127.0.0.1:8080/healthz";
const BODY_EXPECTED = 'a regular expression the response body must match, like \'"status": *"ok"\'';
const LOG_EXPECTED = "a regular expression matched against each line of output, like 'listening on'";

/** The kinds a section takes, for messages: "one of: tcp, http, exec, log". */
export function kindsExpected(kinds: readonly ProbeKind[]): string {
  return `one probe, one of: ${kinds.join(", ")}`;
}

/** Report a section that names no probe (unless an unknown key already explains it). */
export function reportNoProbe(
  sink: ProblemSink,
  field: Field,
  probe: CheckedSection,
  kinds: readonly ProbeKind[],
  why = `${field.key} names no probe`,
): void {
  if (probe.hadUnknownKey) return;
  sink.problem("CONFIG_MISSING_KEY", field.where, field.path, why, kindsExpected(kinds));
}

function badValue(sink: ProblemSink, field: Field, message: string, expected: string): undefined {
  sink.problem("CONFIG_BAD_VALUE", field.where, field.path, message, expected, describeNode(field.value));
  return undefined;
}

function readTcp(sink: ProblemSink, field: Field): ProbeSpec | undefined {
  const node = field.value;
  if (isScalar(node) && typeof node.value === "number") {
    const port = readNumber(sink, field, { min: 1, max: 65535, integer: true });
    return port === undefined ? undefined : { kind: "tcp", host: DEFAULT_PROBE_HOST, port };
  }
  // A string also covers ports made by {instance} substitution ("900{instance}" -> "9001").
  const text = readString(sink, field, TCP_EXPECTED);
  if (text === undefined) return undefined;
  const parsed = parseListen(text);
  if (!parsed.ok) return badValue(sink, field, parsed.reason.replace("0-65535", "1-65535"), TCP_EXPECTED);
  if (parsed.port === 0)
    return badValue(sink, field, "port 0 cannot be connected to: use 1-65535", TCP_EXPECTED);
  return { kind: "tcp", host: parsed.host, port: parsed.port };
}

function readHttpUrl(sink: ProblemSink, field: Field): string | undefined {
  const text = readString(sink, field, HTTP_EXPECTED);
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // URL's TypeError only says "Invalid URL"; say what is wrong when it is the port.
    const port = /^[a-z]+:\/\/(?:\[[^\]]*\]|[^/:]*):(\d+)(?:[/?#]|$)/i.exec(text)?.[1];
    if (port !== undefined && Number(port) > 65535)
      return badValue(sink, field, `port ${port} is out of range (1-65535)`, HTTP_EXPECTED);
    return badValue(sink, field, "not a URL", HTTP_EXPECTED);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return badValue(sink, field, `'${url.protocol}' is not http: or https:`, HTTP_EXPECTED);
  return text;
}

function readNotify(sink: ProblemSink, field: Field): ProbeSpec | undefined {
  const on = readBoolean(sink, field);
  if (on === false)
    return badValue(sink, field, "notify: false names no probe", "notify: true, or another probe");
  return on === undefined ? undefined : { kind: "notify" };
}

function readKind(
  sink: ProblemSink,
  kind: ProbeKind,
  field: Field,
  body: Field | undefined,
  baseDir: string,
): ProbeSpec | undefined {
  switch (kind) {
    case "tcp":
      return readTcp(sink, field);
    case "http": {
      const url = readHttpUrl(sink, field);
      const pattern = body === undefined ? null : readRegex(sink, body, BODY_EXPECTED);
      return url === undefined || pattern === undefined ? undefined : { kind, url, body: pattern };
    }
    case "exec": {
      const command = readCommand(sink, field);
      return command === undefined ? undefined : { kind, command };
    }
    case "log": {
      const pattern = readRegex(sink, field, LOG_EXPECTED);
      return pattern === undefined ? undefined : { kind, pattern };
    }
    case "notify":
      return readNotify(sink, field);
    case "path": {
      const path = readPath(sink, field, baseDir);
      return path === undefined ? undefined : { kind, path };
    }
  }
}

/**
 * The one probe of a section: null when it names none (the caller decides whether that is a
 * problem), undefined after a problem (two kinds, a bad value, `body` without `http`).
 */
export function readProbe(
  sink: ProblemSink,
  field: Field,
  section: Map<string, Field>,
  kinds: readonly ProbeKind[],
  baseDir: string,
): ProbeSpec | null | undefined {
  const present = kinds.filter((kind) => section.has(kind));
  const body = section.get("body");
  if (body !== undefined && !present.includes("http")) {
    const message = "body is only read by an http probe";
    sink.problem("CONFIG_BAD_VALUE", body.keyWhere, body.path, message, "http: URL beside body: REGEX");
    return undefined;
  }
  const [first, second] = present;
  if (first === undefined) return null;
  if (second !== undefined) {
    const at = section.get(second) ?? field;
    const message = `${field.key} has ${present.length} probes (${present.join(", ")}): a section takes exactly one`;
    sink.problem("CONFIG_BAD_VALUE", at.keyWhere, at.path, message, kindsExpected(kinds));
    return undefined;
  }
  const kindField = section.get(first);
  return kindField === undefined ? undefined : readKind(sink, first, kindField, body, baseDir);
}
