/**
 * The API over TCP: the same handler as the control socket (app.ts), behind what a network
 * listener needs and a 0600 socket does not: the Host check, authentication (token or
 * session), CSRF, the dashboard's files and the session exchange. Every path that is not a
 * dashboard file goes to the shared routes (/api/v1/… and whatever else they serve). Order
 * matters: Host first (a rebinding page learns nothing, not even whether it would need a
 * token), then the files (they hold no secret), then credentials.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { UpkeepError } from "../core/errors.js";
import { parseTarget } from "./app.js";
import { serveDashboardFile, type loadDashboardFiles } from "./dashboard-files.js";
import {
  fromOwnOrigin,
  authenticate,
  checkCsrf,
  checkHost,
  readCookie,
  sessionCookieName,
  type GuardOptions,
} from "./http-guard.js";
import { readJsonBody, sendError, sendJson } from "./http-io.js";
import { SESSION_TTL_MS } from "./sessions.js";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Routes a session may not use: minting login codes takes the token (or the socket). */
const TOKEN_ONLY = new Set(["/api/v1/ui/login"]);
const SESSION_PATH = "/api/v1/session";

/** Headers on every answer: no sniffing, no framing, no referrer, nothing cached by proxies. */
const COMMON_HEADERS: Record<string, string> = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-resource-policy": "same-origin",
};

export function createHttpFront(
  api: Handler,
  guard: GuardOptions,
  dashboardFiles: () => ReturnType<typeof loadDashboardFiles>,
): Handler {
  return (req, res) => {
    for (const [name, value] of Object.entries(COMMON_HEADERS)) res.setHeader(name, value);
    (async () => {
      checkHost(req, guard);
      const url = parseTarget(req.url);
      const files = dashboardFiles();
      // The dashboard's files; every other path is the API's (/api/v1/…, /metrics), which
      // answers 404 for what it does not know, after the credentials.
      if (serveDashboardFile(files, req, res, url.pathname)) return;
      if (files.has(url.pathname)) {
        throw new UpkeepError(
          "API_METHOD_NOT_ALLOWED",
          `${url.pathname} does not take ${(req.method ?? "?").slice(0, 20)}`,
          {
            hint: "send GET, HEAD",
            details: { allow: "GET, HEAD" },
          },
        );
      }
      if (url.pathname === "/" && files.size === 0) {
        throw new UpkeepError("API_NOT_FOUND", "the dashboard is not built", {
          hint: "run npm run build, then restart the daemon",
        });
      }
      res.setHeader("cache-control", "no-store");
      if (url.pathname === SESSION_PATH) return await answerSession(req, res, guard);
      const credential = authenticate(req, guard, Date.now());
      checkCsrf(req, credential);
      if (credential.kind === "session" && TOKEN_ONLY.has(url.pathname)) {
        throw new UpkeepError(
          "API_FORBIDDEN",
          `${url.pathname} takes the bearer token, not a dashboard session`,
          {
            hint: "run `upkeep ui` on the daemon's host for a new login link",
          },
        );
      }
      api(req, res);
    })().catch((err: unknown) => {
      if (res.headersSent) res.destroy();
      else sendError(res, err);
    });
  };
}

/**
 * /api/v1/session: POST {code} trades a login code for the session cookie and its CSRF token;
 * GET gives a page reloaded within its session the CSRF token again; DELETE ends the session.
 */
async function answerSession(req: IncomingMessage, res: ServerResponse, guard: GuardOptions): Promise<void> {
  const cookieName = sessionCookieName(guard.port);
  const now = Date.now();
  if (req.method === "POST") {
    if (!fromOwnOrigin(req)) {
      const origin = (req.headers.origin ?? "").slice(0, 100);
      throw new UpkeepError("API_FORBIDDEN", `a login from origin '${origin}' is refused`);
    }
    const body = await readJsonBody(req);
    const code = body["code"];
    if (typeof code !== "string" || !/^[A-Za-z0-9_-]{20,100}$/.test(code)) {
      throw new UpkeepError("API_BAD_REQUEST", "field 'code' must be the login code of an `upkeep ui` link");
    }
    const redeemed = guard.sessions.redeemCode(code, now);
    if (redeemed === null) {
      throw new UpkeepError("API_UNAUTHORIZED", "this login code is unknown, used already or expired", {
        hint: "a login link works once, for two minutes: run `upkeep ui` for a new one",
      });
    }
    const cookie =
      `${cookieName}=${redeemed.id}; HttpOnly; SameSite=Strict; Path=/api/; ` +
      `Max-Age=${Math.floor(SESSION_TTL_MS / 1000)}`;
    sendJson(res, 200, sessionJson(redeemed.session), { "set-cookie": cookie });
    return;
  }
  const credential = authenticate(req, guard, now);
  if (credential.kind !== "session") {
    throw new UpkeepError(
      "API_BAD_REQUEST",
      `${SESSION_PATH} is about dashboard sessions; this request has the token`,
    );
  }
  if (req.method === "GET") return sendJson(res, 200, sessionJson(credential.session));
  if (req.method === "DELETE") {
    checkCsrf(req, credential);
    guard.sessions.end(readCookie(req, cookieName) ?? "");
    sendJson(
      res,
      200,
      { ok: true },
      { "set-cookie": `${cookieName}=; HttpOnly; SameSite=Strict; Path=/api/; Max-Age=0` },
    );
    return;
  }
  throw new UpkeepError(
    "API_METHOD_NOT_ALLOWED",
    `${SESSION_PATH} does not take ${(req.method ?? "?").slice(0, 20)}`,
    {
      hint: "send GET, POST, DELETE",
      details: { allow: "GET, POST, DELETE" },
    },
  );
}

function sessionJson(session: { csrf: string; expiresAt: number }): { csrf: string; expires_at: string } {
  return { csrf: session.csrf, expires_at: new Date(session.expiresAt).toISOString() };
}
