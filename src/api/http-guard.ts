/**
 * Who may use the API over TCP (docs/http.md, SPEC §7): a request whose `Host` names this
 * listener (no DNS rebinding), carrying the bearer token of `<state_dir>/http.token` or a
 * dashboard session cookie; with a session, a state-changing request also carries the CSRF
 * header and, when the browser sends one, an `Origin` of this listener.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import { UpkeepError } from "../core/errors.js";
import type { Session, Sessions } from "./sessions.js";

export const CSRF_HEADER = "x-upkeep-csrf";

export interface GuardOptions {
  token: string;
  /** The address listened on and the port actually bound (port 0 in the config becomes one). */
  host: string;
  port: number;
  /** Configured names (`http.names`): any port, since a proxy in front may use its own. */
  names: readonly string[];
  sessions: Sessions;
}

export type Credential = { kind: "token" } | { kind: "session"; id: string; session: Session };

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "::1"]);

/** The cookie of this listener: named with its port, since browsers share cookies across ports. */
export function sessionCookieName(port: number): string {
  return `upkeep_session_${port}`;
}

/**
 * Refuses a `Host` that names neither this listener nor a configured name. A page of another
 * site whose name was made to resolve to 127.0.0.1 still sends its own name, and is refused.
 */
export function checkHost(req: IncomingMessage, options: GuardOptions): void {
  const header = req.headers.host ?? "";
  const parsed = splitHost(header);
  if (parsed !== null && hostAllowed(parsed.name, parsed.port, options)) return;
  throw new UpkeepError(
    "API_FORBIDDEN",
    `the Host header '${header.slice(0, 100)}' does not name this daemon`,
    {
      hint: `reach it as http://${formatHost(options.host)}:${options.port}/, or list the name under http.names in the config`,
      details: { got: header.slice(0, 100) },
    },
  );
}

function hostAllowed(name: string, port: number | null, options: GuardOptions): boolean {
  if (options.names.includes(name)) return true;
  if (port !== options.port) return false;
  if (name === options.host.toLowerCase()) return true;
  const loopbackListener = isLoopbackOrAny(options.host);
  return loopbackListener && LOOPBACK_NAMES.has(name);
}

function isLoopbackOrAny(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || host.startsWith("127.") || host === "0.0.0.0" || host === "::";
}

/** `name:port`, `[v6]:port` or `name` → lower-case name (v6 without brackets) and port. */
export function splitHost(header: string): { name: string; port: number | null } | null {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+))(?::(\d{1,5}))?$/.exec(header);
  if (match === null) return null;
  const name = (match[1] ?? match[2] ?? "").toLowerCase();
  if (match[1] !== undefined && isIP(name) !== 6) return null;
  return { name, port: match[3] === undefined ? null : Number(match[3]) };
}

/** The host part of a URL for an address: brackets around IPv6; a wildcard as loopback. */
export function formatHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return isIP(host) === 6 ? `[${host}]` : host;
}

/** The bearer token or a live session cookie; 401 otherwise, saying how to get either. */
export function authenticate(req: IncomingMessage, options: GuardOptions, now: number): Credential {
  const authorization = req.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer +(\S+) *$/i.exec(authorization);
    if (match !== null && sameSecret(match[1] ?? "", options.token)) return { kind: "token" };
    throw unauthorized("the bearer token is not this daemon's");
  }
  const id = readCookie(req, sessionCookieName(options.port));
  if (id !== null) {
    const session = options.sessions.find(id, now);
    if (session !== null) return { kind: "session", id, session };
    throw unauthorized("the dashboard session has expired or was ended");
  }
  throw unauthorized("the request has neither a bearer token nor a dashboard session");
}

function unauthorized(why: string): UpkeepError {
  return new UpkeepError("API_UNAUTHORIZED", why, {
    hint: "send Authorization: Bearer <the contents of <state_dir>/http.token>, or open the link `upkeep ui` prints",
  });
}

/**
 * A request that may change something (anything but GET and HEAD), made with a session, must
 * carry the session's CSRF token in X-Upkeep-CSRF and, if the browser sent an Origin, come
 * from this listener's origin. A bearer token is never sent by a browser on its own: no check.
 */
export function checkCsrf(req: IncomingMessage, credential: Credential): void {
  if (credential.kind !== "session" || req.method === "GET" || req.method === "HEAD") return;
  const origin = req.headers.origin;
  if (!fromOwnOrigin(req)) {
    throw new UpkeepError(
      "API_FORBIDDEN",
      `a request from origin '${(origin ?? "").slice(0, 100)}' is refused`,
      {
        hint: "the dashboard is served by the daemon itself; other sites may not act on it",
      },
    );
  }
  const sent = req.headers[CSRF_HEADER];
  if (typeof sent === "string" && sameSecret(sent, credential.session.csrf)) return;
  throw new UpkeepError(
    "API_FORBIDDEN",
    `a ${req.method ?? "?"} with a dashboard session needs the ${CSRF_HEADER} header of that session`,
    {
      hint: "the dashboard sends it by itself; a script uses the bearer token instead",
    },
  );
}

/**
 * No Origin header (not a browser, or a same-origin GET), or one naming the host the request
 * was sent to (the Host header, checked already): http, or https behind a TLS proxy.
 */
export function fromOwnOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const match = /^(https?):\/\/([^/]+)$/.exec(origin);
  return match !== null && match[2]!.toLowerCase() === (req.headers.host ?? "").toLowerCase();
}

/** Compares two secrets in constant time (their digests, so the length does not leak either). */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** One cookie's value from the Cookie header, or null. */
export function readCookie(req: IncomingMessage, name: string): string | null {
  const header = req.headers.cookie;
  if (header === undefined) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}
