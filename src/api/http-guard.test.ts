import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { test } from "node:test";
import { UpkeepError } from "../core/errors.js";
import {
  authenticate,
  checkCsrf,
  checkHost,
  readCookie,
  sameSecret,
  splitHost,
  type GuardOptions,
} from "./http-guard.js";
import { LOGIN_CODE_TTL_MS, SESSION_TTL_MS, Sessions } from "./sessions.js";

/** A request as the guard reads it: a method and headers (lower-case names, as Node gives them). */
function req(headers: Record<string, string>, method = "GET"): IncomingMessage {
  return { headers, method } as unknown as IncomingMessage;
}

function options(overrides: Partial<GuardOptions> = {}): GuardOptions {
  return {
    token: "t".repeat(43),
    host: "127.0.0.1",
    port: 9900,
    names: [],
    sessions: new Sessions(),
    ...overrides,
  };
}

function codeOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (err) {
    return err instanceof UpkeepError ? err.code : String(err);
  }
}

test("splitHost reads names, IPv4, bracketed IPv6 and ports, and refuses the rest", () => {
  assert.deepEqual(splitHost("127.0.0.1:9900"), { name: "127.0.0.1", port: 9900 });
  assert.deepEqual(splitHost("LocalHost:9900"), { name: "localhost", port: 9900 });
  assert.deepEqual(splitHost("[::1]:9900"), { name: "::1", port: 9900 });
  assert.deepEqual(splitHost("upkeep.example.com"), { name: "upkeep.example.com", port: null });
  for (const bad of ["", "a b", "[zz]:1", "x:y", "host:99999999", "user@host", "a/b"])
    assert.equal(splitHost(bad), null, bad);
});

test("the Host check takes the listen address, loopback names on a loopback listener, and configured names", () => {
  const o = options({ names: ["upkeep.example.com"] });
  for (const host of [
    "127.0.0.1:9900",
    "localhost:9900",
    "[::1]:9900",
    "upkeep.example.com",
    "upkeep.example.com:443",
  ]) {
    assert.equal(
      codeOf(() => checkHost(req({ host }), o)),
      null,
      host,
    );
  }
  for (const host of [
    "evil.example:9900",
    "127.0.0.1:9901",
    "127.0.0.1",
    "localhost",
    "127.0.0.1.nip.io:9900",
  ]) {
    assert.equal(
      codeOf(() => checkHost(req({ host }), o)),
      "API_FORBIDDEN",
      host,
    );
  }
  assert.equal(
    codeOf(() => checkHost(req({}), o)),
    "API_FORBIDDEN",
    "no Host at all",
  );
  const public_ = options({ host: "192.0.2.10" });
  assert.equal(
    codeOf(() => checkHost(req({ host: "localhost:9900" }), public_)),
    "API_FORBIDDEN",
  );
  assert.equal(
    codeOf(() => checkHost(req({ host: "192.0.2.10:9900" }), public_)),
    null,
  );
});

test("the bearer token is compared whole; a wrong, short or long one is 401", () => {
  const o = options();
  assert.deepEqual(authenticate(req({ authorization: `Bearer ${o.token}` }), o, 0), { kind: "token" });
  for (const authorization of [
    `Bearer ${o.token}x`,
    `Bearer ${o.token.slice(1)}`,
    "Bearer ",
    "Basic abc",
    o.token,
  ]) {
    assert.equal(
      codeOf(() => authenticate(req({ authorization }), o, 0)),
      "API_UNAUTHORIZED",
      authorization,
    );
  }
  assert.equal(
    codeOf(() => authenticate(req({}), o, 0)),
    "API_UNAUTHORIZED",
  );
  assert.equal(sameSecret("a", "a"), true);
  assert.equal(sameSecret("a", "b"), false);
});

test("a login code gives one session, once, within its time; the session needs its CSRF token to act", () => {
  const o = options();
  const { code } = o.sessions.issueCode(1000);
  assert.equal(o.sessions.redeemCode(code, 1000 + LOGIN_CODE_TTL_MS), null, "expired");
  const fresh = o.sessions.issueCode(1000).code;
  const redeemed = o.sessions.redeemCode(fresh, 2000);
  assert.ok(redeemed);
  assert.equal(o.sessions.redeemCode(fresh, 2000), null, "used");
  const cookie = `other=1; upkeep_session_9900=${redeemed.id}`;
  const credential = authenticate(req({ cookie }), o, 3000);
  assert.equal(credential.kind, "session");
  assert.equal(
    codeOf(() => checkCsrf(req({ cookie }, "GET"), credential)),
    null,
    "reading needs no CSRF",
  );
  assert.equal(
    codeOf(() => checkCsrf(req({ cookie }, "POST"), credential)),
    "API_FORBIDDEN",
  );
  const csrf = redeemed.session.csrf;
  assert.equal(
    codeOf(() => checkCsrf(req({ cookie, "x-upkeep-csrf": csrf }, "POST"), credential)),
    null,
  );
  const foreign = { cookie, "x-upkeep-csrf": csrf, origin: "http://evil.example", host: "127.0.0.1:9900" };
  assert.equal(
    codeOf(() => checkCsrf(req(foreign, "POST"), credential)),
    "API_FORBIDDEN",
  );
  for (const origin of ["http://127.0.0.1:9900", "https://127.0.0.1:9900"]) {
    const own = { cookie, "x-upkeep-csrf": csrf, origin, host: "127.0.0.1:9900" };
    assert.equal(
      codeOf(() => checkCsrf(req(own, "POST"), credential)),
      null,
      origin,
    );
  }
  for (const origin of ["null", "http://127.0.0.1:9901", "http://127.0.0.1:9900/x", "file://"]) {
    const other = { cookie, "x-upkeep-csrf": csrf, origin, host: "127.0.0.1:9900" };
    assert.equal(
      codeOf(() => checkCsrf(req(other, "POST"), credential)),
      "API_FORBIDDEN",
      origin,
    );
  }
  assert.equal(
    codeOf(() => authenticate(req({ cookie }), o, 2000 + SESSION_TTL_MS)),
    "API_UNAUTHORIZED",
    "expired",
  );
  assert.equal(readCookie(req({ cookie: "a=1;b=2" }), "b"), "2");
});

test("codes and sessions are bounded: the oldest go first", () => {
  const sessions = new Sessions();
  const codes = Array.from({ length: 100 }, () => sessions.issueCode(0).code);
  assert.equal(sessions.redeemCode(codes[0]!, 1), null, "the oldest code made room");
  assert.ok(sessions.redeemCode(codes[99]!, 1));
});
