import type { IncomingMessage, ServerResponse } from "node:http";
import { UpkeepError } from "../core/errors.js";
import type { Supervisor } from "../supervisor/supervisor.js";
import { sendError } from "./http-io.js";
import { assertServiceName } from "./service-name.js";
import { handleActions } from "./routes/actions.js";
import { handleCheck } from "./routes/check.js";
import { handleEvents } from "./routes/events.js";
import { handleIncident, handleIncidents } from "./routes/incidents.js";
import { handleReloadConfig, handleShutdown } from "./routes/daemon.js";
import { handleMetrics } from "./routes/metrics.js";
import { handleService, handleStatus } from "./routes/services.js";
import { handleServiceTree } from "./routes/tree.js";
import { handleNotifyOutbox, handleNotifyTest } from "./routes/notify.js";
import type { Notifier, NotifierDeps } from "../notify/notifier.js";
import { handleServiceLogs } from "./routes/logs.js";
import { handleUiLogin } from "./routes/ui-login.js";

/** What the routes need: the supervisor and the daemon's own controls. */
export interface ApiContext {
  supervisor: Supervisor;
  /**
   * Stop all services and exit (SPEC `shutdown`); with leaveRunning, exit only and leave every
   * service to the next daemon (`shutdown --leave-running`, docs/upgrade.md).
   */
  requestShutdown(options?: { leaveRunning: boolean }): void;
  /** Notifications (`notify test`, the outbox); absent where a daemon runs without them (tests). */
  notify?: { notifier: Notifier; deps: Pick<NotifierDeps, "config" | "facts" | "host"> };
  /** Set once the HTTP listener runs (daemon/http-listener.ts): its URL and login links. */
  dashboard?: DashboardAccess | null;
}

export interface DashboardAccess {
  url: string;
  /** A one-time login link for `upkeep ui`: the URL with a login code in its fragment. */
  issueLogin(now: number): { url: string; expiresAt: number };
}

type Handler = (
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  params: string[],
) => Promise<void> | void;

const ROUTES: { method: string; pattern: RegExp; handler: Handler }[] = [
  { method: "GET", pattern: /^\/api\/v1\/status$/, handler: handleStatus },
  { method: "GET", pattern: /^\/api\/v1\/check$/, handler: handleCheck },
  { method: "GET", pattern: /^\/api\/v1\/services$/, handler: handleStatus },
  { method: "GET", pattern: /^\/api\/v1\/services\/([^/]+)$/, handler: handleService },
  { method: "GET", pattern: /^\/api\/v1\/services\/([^/]+)\/tree$/, handler: handleServiceTree },
  { method: "POST", pattern: /^\/api\/v1\/actions$/, handler: handleActions },
  { method: "GET", pattern: /^\/api\/v1\/events$/, handler: handleEvents },
  { method: "GET", pattern: /^\/api\/v1\/incidents$/, handler: handleIncidents },
  { method: "GET", pattern: /^\/api\/v1\/incidents\/([^/]+)$/, handler: handleIncident },
  { method: "POST", pattern: /^\/api\/v1\/reload-config$/, handler: handleReloadConfig },
  { method: "POST", pattern: /^\/api\/v1\/shutdown$/, handler: handleShutdown },
  { method: "GET", pattern: /^\/api\/v1\/metrics$/, handler: handleMetrics },
  // Where Prometheus looks by default (its scrape config's metrics_path).
  { method: "GET", pattern: /^\/metrics$/, handler: handleMetrics },
  { method: "POST", pattern: /^\/api\/v1\/notify\/test$/, handler: handleNotifyTest },
  { method: "GET", pattern: /^\/api\/v1\/notify\/outbox$/, handler: handleNotifyOutbox },
  { method: "GET", pattern: /^\/api\/v1\/services\/([^/]+)\/logs$/, handler: handleServiceLogs },
  { method: "POST", pattern: /^\/api\/v1\/ui\/login$/, handler: handleUiLogin },
];

/**
 * One request handler for every transport (the 0600 UNIX socket now; HTTP with a bearer
 * token later): only authentication differs between them.
 */
export function createApiHandler(ctx: ApiContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    // Everything runs inside the async wrapper, so a synchronous throw is a rejection too: no
    // request may crash the daemon, not even a target URL cannot parse (`//`, `http://[`) or a
    // path with a bad escape (`%zz`, which decodeURIComponent refuses).
    (async () => {
      const url = parseTarget(req.url);
      const route = findRoute(req.method ?? "?", url.pathname);
      const params = (route.pattern.exec(url.pathname) ?? []).slice(1).map(decodeName);
      await route.handler(ctx, req, res, url, params);
    })().catch((err: unknown) => {
      if (res.headersSent) res.destroy();
      else sendError(res, err);
    });
  };
}

/** The route of a method and path: 404 when no route has the path, 405 naming those it takes when one has. */
function findRoute(method: string, path: string): (typeof ROUTES)[number] {
  const matching = ROUTES.filter((r) => r.pattern.test(path));
  const route = matching.find((r) => r.method === method);
  if (route) return route;
  if (matching.length === 0) throw new UpkeepError("API_NOT_FOUND", `no route ${method} ${path}`);
  const allow = matching.map((r) => r.method).join(", ");
  throw new UpkeepError("API_METHOD_NOT_ALLOWED", `${path} does not take ${method.slice(0, 20)}`, {
    hint: `send ${allow}`,
    details: { allow },
  });
}

/**
 * The request target as a URL. Only origin-form (`/path?query`) is served: anything else
 * (`//x`, `http://[`, `*`, an absolute URL) is the client's error, answered 400.
 */
export function parseTarget(target: string | undefined): URL {
  const text = target ?? "/";
  const bad = (why: string): UpkeepError =>
    new UpkeepError("API_BAD_REQUEST", `the request target '${text.slice(0, 200)}' ${why}`, {
      hint: "send a path that starts with a single '/', such as /api/v1/status",
    });
  if (!text.startsWith("/") || text.startsWith("//")) throw bad("is not a path starting with one '/'");
  // The URL parser would resolve `.` and `..` (also as %2e) away: `/api/v1/services/..` would
  // quietly become another route. A target that has one is refused as it was sent.
  const segments = (text.split(/[?#]/, 1)[0] ?? "").split(/[/\\]/);
  if (segments.some((s) => /^(?:\.|%2e){1,2}$/i.test(s))) throw bad("has a '.' or '..' segment");
  let url: URL;
  try {
    url = new URL(text, "http://upkeep.local");
  } catch {
    throw bad("cannot be parsed as a URL path");
  }
  // WHATWG URL reads a backslash as a slash: `/\\host/x` would name another host.
  if (url.host !== "upkeep.local") throw bad("names another host");
  return url;
}

/** A path segment decoded; a malformed escape is the client's error, named as such. */
function decodeName(segment: string): string {
  let name: string;
  try {
    name = decodeURIComponent(segment);
  } catch {
    throw new UpkeepError("API_BAD_REQUEST", `the path segment '${segment}' is not valid percent-encoding`);
  }
  assertServiceName(name, "the path");
  return name;
}
