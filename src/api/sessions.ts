/**
 * Dashboard sessions (docs/http.md): `upkeep ui` asks the daemon for a one-time login code, the
 * page trades it for a session (an HttpOnly cookie) and a CSRF token. Both live in the daemon's
 * memory only: a daemon restart ends every session, and `upkeep ui` makes a new link. Secrets
 * are kept as SHA-256 digests, so the maps are looked up by a value the requester cannot steer
 * byte by byte (no timing leak from the lookup), and a heap dump holds no usable code.
 */
import { createHash, randomBytes } from "node:crypto";

/** A login code is for the next minutes, once. */
export const LOGIN_CODE_TTL_MS = 2 * 60_000;
/** A session lasts a working day; the cookie's Max-Age says the same. */
export const SESSION_TTL_MS = 12 * 3600_000;
/** Bounds, so that nobody with the token can grow the daemon without end: the oldest go first. */
const MAX_CODES = 64;
const MAX_SESSIONS = 256;

export interface Session {
  csrf: string;
  expiresAt: number;
}

export class Sessions {
  private readonly codes = new Map<string, number>();
  private readonly sessions = new Map<string, Session>();

  /** A new one-time login code and when it expires. */
  issueCode(now: number): { code: string; expiresAt: number } {
    const code = newSecret();
    const expiresAt = now + LOGIN_CODE_TTL_MS;
    this.prune(now);
    addBounded(this.codes, digest(code), expiresAt, MAX_CODES);
    return { code, expiresAt };
  }

  /** Trades a login code (once) for a session; null when the code is unknown, used or expired. */
  redeemCode(code: string, now: number): { id: string; session: Session } | null {
    const key = digest(code);
    const expiresAt = this.codes.get(key);
    this.codes.delete(key);
    if (expiresAt === undefined || expiresAt <= now) return null;
    const id = newSecret();
    const session: Session = { csrf: newSecret(), expiresAt: now + SESSION_TTL_MS };
    this.prune(now);
    addBounded(this.sessions, digest(id), session, MAX_SESSIONS);
    return { id, session };
  }

  /** The live session of a cookie value, or null. */
  find(id: string, now: number): Session | null {
    const session = this.sessions.get(digest(id));
    if (session === undefined) return null;
    if (session.expiresAt > now) return session;
    this.sessions.delete(digest(id));
    return null;
  }

  end(id: string): void {
    this.sessions.delete(digest(id));
  }

  private prune(now: number): void {
    for (const [key, expiresAt] of this.codes) if (expiresAt <= now) this.codes.delete(key);
    for (const [key, session] of this.sessions) if (session.expiresAt <= now) this.sessions.delete(key);
  }
}

/** 256 random bits, URL-safe. */
export function newSecret(): string {
  return randomBytes(32).toString("base64url");
}

export function digest(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Map insertion order is age order: past the bound, the oldest entry makes room. */
function addBounded<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.set(key, value);
  while (map.size > max) {
    const oldest = map.keys().next().value;
    if (oldest === undefined) break;
    map.delete(oldest);
  }
}
