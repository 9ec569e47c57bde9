/**
 * `http`: the API and dashboard listener. `false` turns it off; a map `{ listen }` sets the
 * address, written `HOST:PORT`, `[IPV6]:PORT`, `:PORT` or a bare port (host 127.0.0.1);
 * `names` lists the host names a request's `Host` header may carry besides that address.
 */
import { isMap, isScalar, isSeq } from "yaml";
import type { HttpConfig } from "./model.js";
import { describeNode, type Field, type ProblemSink } from "./problem-sink.js";
import { readSection } from "./read-map.js";
import { isNullValue, wrongType } from "./read-scalars.js";
import { DEFAULT_HTTP, HTTP_KEYS } from "./schema.js";

const LISTEN_EXPECTED =
  "HOST:PORT such as 127.0.0.1:9900, [::1]:9900, :9900, or a port number from 0 to 65535";

export type ListenResult = { ok: true; host: string; port: number } | { ok: false; reason: string };

/** Split a listen address into host and port. */
export function parseListen(text: string): ListenResult {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]*)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text);
  if (match === null) return { ok: false, reason: `'${text}' is not HOST:PORT` };
  const [, v6 = "", host = "", portText = ""] = match;
  const port = Number(portText);
  if (!Number.isInteger(port) || port > 65535)
    return { ok: false, reason: `port ${portText} is not in 0-65535` };
  return { ok: true, host: v6 !== "" ? v6 : host !== "" ? host : DEFAULT_HTTP.host, port };
}

function readListen(sink: ProblemSink, field: Field): { host: string; port: number } | undefined {
  const node = field.value;
  let text: string;
  if (isScalar(node) && typeof node.value === "number") text = String(node.value);
  else if (isScalar(node) && typeof node.value === "string") text = node.value;
  else return wrongType(sink, field, LISTEN_EXPECTED);
  const result = parseListen(text);
  if (result.ok) return result;
  sink.problem(
    "CONFIG_BAD_VALUE",
    field.where,
    field.path,
    result.reason,
    LISTEN_EXPECTED,
    describeNode(node),
  );
  return undefined;
}

/** The http section: absent or `true` is the default listener, `false` turns it off. */
export function readHttp(sink: ProblemSink, field: Field | undefined): HttpConfig {
  if (field === undefined || isNullValue(field)) return { ...DEFAULT_HTTP };
  const node = field.value;
  if (isScalar(node) && typeof node.value === "boolean") return { ...DEFAULT_HTTP, enabled: node.value };
  if (!isMap(node)) {
    const expected = "false, or a map { listen: 127.0.0.1:9900 }";
    sink.problem("CONFIG_WRONG_TYPE", field.where, field.path, "wrong type", expected, describeNode(node));
    return { ...DEFAULT_HTTP };
  }
  const section = readSection(sink, field, HTTP_KEYS);
  const listenField = section?.get("listen");
  const listen = listenField === undefined ? undefined : readListen(sink, listenField);
  const namesField = section?.get("names");
  const names = namesField === undefined ? [] : (readNames(sink, namesField) ?? []);
  return {
    enabled: true,
    host: listen?.host ?? DEFAULT_HTTP.host,
    port: listen?.port ?? DEFAULT_HTTP.port,
    names,
  };
}

const NAMES_EXPECTED = "a list of host names such as [upkeep.example.com] (letters, digits, '-' and '.')";

/** `http.names`: host names, lower-cased; a port or a scheme in one is a problem. */
function readNames(sink: ProblemSink, field: Field): string[] | undefined {
  const node = field.value;
  if (!isSeq(node)) return wrongType(sink, field, NAMES_EXPECTED);
  const names: string[] = [];
  node.items.forEach((raw, index) => {
    const item = sink.resolve(raw);
    const value = isScalar(item) ? item.value : undefined;
    if (typeof value === "string" && /^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$/.test(value)) {
      names.push(value.toLowerCase());
      return;
    }
    const where = sink.whereNode(item, field.where);
    sink.problem(
      "CONFIG_BAD_VALUE",
      where,
      `${field.path}[${index}]`,
      "not a host name",
      NAMES_EXPECTED,
      describeNode(item),
    );
  });
  return names;
}
