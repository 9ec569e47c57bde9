/**
 * The CLI's client of the daemon's API: HTTP/1.1 over the UNIX socket `<state_dir>/upkeep.sock`.
 * One-shot requests go through http-exchange.ts (node:net only: start-up cost matters);
 * streams (`-f`) load node:http when they open. Non-2xx answers become UpkeepErrors
 * carrying the daemon's code, message and hint; no socket (or nobody listening) becomes
 * DAEMON_NOT_RUNNING with the exact command that starts the daemon.
 */
import type { IncomingMessage, RequestOptions as HttpRequestOptions } from "node:http";
import { ERROR_CATALOGUE, UpkeepError, errnoOf, type ErrorCode } from "../core/errors.js";
import { exchange } from "./http-exchange.js";
import { describeSocketDenial } from "./socket-access.js";

/** Where the daemon listens, and how to start it when it does not. */
export interface Endpoint {
  socketPath: string;
  startCommand: string;
}

export interface RawResponse {
  status: number;
  contentType: string;
  body: Buffer;
}

export interface RequestOptions {
  /** Give up after this long without an answer; actions wait for results, so none by default. */
  timeoutMs?: number;
}

/** Turns a failure to reach the socket into the error the operator should see. */
function connectionError(endpoint: Endpoint, err: unknown): UpkeepError {
  if (err instanceof UpkeepError) return err;
  const errno = errnoOf(err);
  const details = { errno, socket: endpoint.socketPath };
  if (errno === "ENOENT" || errno === "ECONNREFUSED") {
    return new UpkeepError(
      "DAEMON_NOT_RUNNING",
      `the daemon is not running (no answer on ${endpoint.socketPath}).`,
      {
        hint: `start it with: ${endpoint.startCommand}`,
        details,
        cause: err,
      },
    );
  }
  if (errno === "EACCES" || errno === "EPERM") {
    const denial = describeSocketDenial(endpoint.socketPath);
    return new UpkeepError("API_UNAUTHORIZED", denial.message, { hint: denial.hint, details, cause: err });
  }
  const reason = err instanceof Error ? err.message : String(err);
  return new UpkeepError("INTERNAL", `cannot talk to the daemon on ${endpoint.socketPath}: ${reason}`, {
    hint: "see the daemon's log (daemon.log in the state dir), and check it with: upkeep status",
    details,
    cause: err,
  });
}

function isKnownCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CATALOGUE, code);
}

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    // A body that is not JSON (a crash, a proxy page) is described by quoting it instead.
    if (err instanceof SyntaxError) return undefined;
    throw err;
  }
}

/** Turns a non-2xx answer (normally an ErrorJson body) into an UpkeepError. */
export function errorFromResponse(response: RawResponse, path: string): UpkeepError {
  const text = response.body.toString("utf8");
  const parsed = parseJsonOrUndefined(text);
  const error = (parsed as { error?: unknown } | undefined)?.error;
  if (typeof error === "object" && error !== null) {
    const { code, message, hint, details } = error as Record<string, unknown>;
    if (typeof code === "string" && typeof message === "string") {
      const known = isKnownCode(code);
      return new UpkeepError(known ? code : "INTERNAL", message, {
        ...(typeof hint === "string" ? { hint } : {}),
        details: {
          ...(typeof details === "object" && details !== null ? (details as Record<string, unknown>) : {}),
          ...(known ? {} : { remote_code: code }),
          http_status: response.status,
        },
      });
    }
  }
  const excerpt = text.slice(0, 200);
  return new UpkeepError(
    "INTERNAL",
    `the daemon answered ${path} with HTTP ${response.status} and no error description: ${excerpt}`,
    {
      hint: "see the daemon's log (daemon.log in the state dir)",
      details: { http_status: response.status },
    },
  );
}

function timeoutError(method: string, path: string, timeoutMs: number): UpkeepError {
  return new UpkeepError(
    "INTERNAL",
    `the daemon did not answer ${method} ${path} within ${timeoutMs / 1000} s`,
    {
      hint: "it may be hung: see daemon.log in the state dir; `kill -USR1 <daemon pid>` writes status.txt",
    },
  );
}

/** The headers of every request to the daemon; a JSON body adds its type and length. */
function requestHeaders(payload: string | undefined): Record<string, string | number> {
  const headers: Record<string, string | number> = { host: "upkeep", accept: "application/json" };
  if (payload !== undefined) {
    headers["content-type"] = "application/json";
    headers["content-length"] = Buffer.byteLength(payload);
  }
  return headers;
}

/** Starts a streaming GET with node:http; returns what ends it from our side. */
function startStream(
  http: typeof import("node:http"),
  endpoint: Endpoint,
  path: string,
  onResponse: (res: IncomingMessage) => void,
  onError: (err: UpkeepError) => void,
): () => void {
  const httpOptions: HttpRequestOptions & { servername: string } = {
    socketPath: endpoint.socketPath,
    method: "GET",
    path,
    agent: false,
    // An empty servername stops the agent from asking isIP() whether the host header is an
    // address: that first call compiles Node's IPv6 regex, ~5 ms of every CLI start (measured).
    servername: "",
    headers: requestHeaders(undefined),
  };
  const req = http.request(httpOptions);
  req.on("response", onResponse);
  req.on("error", (err) => onError(connectionError(endpoint, err)));
  req.end();
  return () => req.destroy();
}

/** Sends one request and reads the whole answer, whatever its status. */
export async function sendRequest(
  endpoint: Endpoint,
  method: string,
  path: string,
  body?: unknown,
  options: RequestOptions = {},
): Promise<RawResponse> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const timeoutMs = options.timeoutMs;
  try {
    const answer = await exchange({
      socketPath: endpoint.socketPath,
      method,
      path,
      headers: requestHeaders(payload),
      ...(payload === undefined ? {} : { body: payload }),
      ...(timeoutMs === undefined
        ? {}
        : { timeoutMs, onTimeout: () => timeoutError(method, path, timeoutMs) }),
    });
    return { status: answer.status, contentType: answer.headers["content-type"] ?? "", body: answer.body };
  } catch (err) {
    throw connectionError(endpoint, err);
  }
}

/** The raw body of a 2xx answer (status --json passes it through byte for byte). */
export async function requestBody(
  endpoint: Endpoint,
  method: string,
  path: string,
  body?: unknown,
  options?: RequestOptions,
): Promise<Buffer> {
  const response = await sendRequest(endpoint, method, path, body, options);
  if (response.status < 200 || response.status > 299) throw errorFromResponse(response, path);
  return response.body;
}

/** The body of a 2xx answer as text. */
export async function requestText(
  endpoint: Endpoint,
  method: string,
  path: string,
  body?: unknown,
  options?: RequestOptions,
): Promise<string> {
  return (await requestBody(endpoint, method, path, body, options)).toString("utf8");
}

/** The parsed JSON body of a 2xx answer; anything else throws an UpkeepError. */
export async function requestJson<T>(
  endpoint: Endpoint,
  method: string,
  path: string,
  body?: unknown,
  options?: RequestOptions,
): Promise<T> {
  const text = await requestText(endpoint, method, path, body, options);
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new UpkeepError("INTERNAL", `the daemon answered ${path} with a body that is not JSON`, {
      hint: "the daemon and the CLI may be different versions: restart the daemon",
      cause: err,
    });
  }
}

/** A streaming answer being read: `ended` settles when the daemon or `close()` ends it. */
export interface OpenStream {
  ended: Promise<"closed-by-daemon" | "closed-by-us">;
  close(): void;
}

/**
 * Opens a streaming GET (server-sent events) and hands each text chunk to `onText`.
 * Resolves once a 2xx answer has started; a non-2xx answer throws like requestJson.
 */
export async function openStream(
  endpoint: Endpoint,
  path: string,
  onText: (text: string) => void,
): Promise<OpenStream> {
  const http = await import("node:http");
  return new Promise((resolve, reject) => {
    let closing = false;
    let settleEnded: (how: "closed-by-daemon" | "closed-by-us") => void = () => undefined;
    const ended = new Promise<"closed-by-daemon" | "closed-by-us">((r) => (settleEnded = r));
    const destroy = startStream(
      http,
      endpoint,
      path,
      (res) => {
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => {
            const body = Buffer.concat(chunks);
            reject(errorFromResponse({ status, contentType: res.headers["content-type"] ?? "", body }, path));
          });
          return;
        }
        res.setEncoding("utf8"); // decodes characters split across chunks correctly
        res.on("data", (text: string) => onText(text));
        // A reset connection ends the stream as a close does: the caller says the daemon ended
        // it, and the errno (ECONNRESET) adds nothing to that message.
        const finish = (): void => settleEnded(closing ? "closed-by-us" : "closed-by-daemon");
        res.on("error", finish);
        res.on("close", finish);
        resolve({
          ended,
          close: () => {
            closing = true;
            destroy();
          },
        });
      },
      reject,
    );
  });
}
