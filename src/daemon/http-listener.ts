/**
 * The HTTP listener (SPEC §7, docs/http.md): the control socket's API and the dashboard on
 * `http.listen` (127.0.0.1:9900 by default), behind the token, Host and CSRF checks of
 * api/http-front.ts. A listener that cannot start (the port is taken, the token file is not
 * trustworthy) is said and recorded as a daemon event; supervision and the control socket go
 * on without it, since no service depends on the dashboard (http-service.ts keeps it in step
 * with the config).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ApiContext } from "../api/app.js";
import { createApiHandler } from "../api/app.js";
import { defaultWebDir, loadDashboardFiles } from "../api/dashboard-files.js";
import { createHttpFront } from "../api/http-front.js";
import { formatHost, type GuardOptions } from "../api/http-guard.js";
import { Sessions } from "../api/sessions.js";
import type { HttpConfig } from "../config/model.js";
import { errnoOf, UpkeepError } from "../core/errors.js";
import { ensureHttpToken, tokenPath } from "./http-token.js";

export interface HttpListener {
  server: Server;
  /** http://HOST:PORT/ as a browser on this host reaches it. */
  url: string;
}

/** Binds the listener and gives the API context its way to make login links. */
export async function listenHttp(http: HttpConfig, stateDir: string, ctx: ApiContext): Promise<HttpListener> {
  const { token, created } = ensureHttpToken(stateDir);
  if (created) console.info(`upkeep: made the HTTP API token ${tokenPath(stateDir)} (mode 0600)`);
  const sessions = new Sessions();
  const guard: GuardOptions = { token, host: http.host, port: http.port, names: http.names, sessions };
  const server = createServer(createHttpFront(createApiHandler(ctx), guard, loadOnFirstUse(defaultWebDir())));
  // A slow or idle client must not hold a request open for ever; event streams set their own.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err) => reject(bindError(http, err)));
    server.listen(http.port, http.host, () => resolve());
  });
  server.on("error", (err) => console.error("upkeep: HTTP listener:", err));
  guard.port = (server.address() as AddressInfo).port;
  const url = `http://${formatHost(http.host)}:${guard.port}/`;
  ctx.dashboard = {
    url,
    issueLogin: (now) => {
      const { code, expiresAt } = sessions.issueCode(now);
      return { url: `${url}#login=${code}`, expiresAt };
    },
  };
  return { server, url };
}

function bindError(http: HttpConfig, err: unknown): UpkeepError {
  const errno = errnoOf(err) ?? "unknown error";
  const where = `${formatHost(http.host)}:${http.port}`;
  const hint =
    errno === "EADDRINUSE"
      ? `another program listens on ${where} (ss -ltnp 'sport = :${http.port}' names it): stop it, or set another http.listen in the config, then restart the daemon`
      : `check http.listen in the config (${where}), then restart the daemon`;
  return new UpkeepError("HTTP_UNAVAILABLE", `the HTTP listener cannot listen on ${where}: ${errno}`, {
    hint,
    details: { errno },
    cause: err,
  });
}

/**
 * The dashboard's files, read (and gzipped) at the first request rather than at start-up: a
 * daemon whose page nobody opens keeps neither them nor the compressor's memory (its RSS
 * target stands with the listener on: docs/benchmarks.md).
 */
function loadOnFirstUse(dir: string): () => ReturnType<typeof loadDashboardFiles> {
  let files: ReturnType<typeof loadDashboardFiles> | null = null;
  return () => (files ??= loadDashboardFiles(dir));
}
