import type { IncomingMessage, ServerResponse } from "node:http";
import { UpkeepError } from "../core/errors.js";

/** Largest request body accepted: actions and reloads are small JSON objects. */
const MAX_BODY_BYTES = 1 << 20;

/** Read and parse a JSON request body (empty body → {}). */
export async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new UpkeepError("API_BAD_REQUEST", "request body over 1 MiB");
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (text === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new UpkeepError("API_BAD_REQUEST", `request body is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new UpkeepError("API_BAD_REQUEST", "request body must be a JSON object");
  }
  return parsed as Record<string, unknown>;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  sendText(res, status, "application/json", JSON.stringify(body), headers);
}

/**
 * How long a client may leave an answer unread. An answer is written in one piece; what the
 * kernel's socket buffer cannot take stays in the daemon's memory until the client reads it
 * (the event list after a crash loop, /metrics or the status of 1000 services: hundreds of KiB
 * to MBs). A client that never reads had it held for as long as its connection lived.
 */
export const UNREAD_ANSWER_LIMIT_MS = 30_000;

/** Sends a whole answer; a client that has not taken all of it within the limit is cut off. */
export function sendText(
  res: ServerResponse,
  status: number,
  contentType: string,
  text: string,
  headers: Record<string, string> = {},
): void {
  // Encoded once: the length and the bytes sent come from the same buffer (byteLength then
  // end(text) encoded 500 KiB of status twice, 0.5 ms of each answer for 1000 services).
  const body = Buffer.from(text);
  res.writeHead(status, {
    ...headers,
    "content-type": contentType,
    "content-length": body.length,
  });
  res.end(body);
  if (res.writableFinished) return;
  const timer = setTimeout(() => {
    const what = `${res.req.method ?? "?"} ${(res.req.url ?? "").slice(0, 200)}`;
    console.warn(
      `upkeep: cut a client that left ${res.writableLength} bytes of its answer to ${what} unread for ${UNREAD_ANSWER_LIMIT_MS / 1000} s`,
    );
    res.destroy();
  }, UNREAD_ANSWER_LIMIT_MS);
  timer.unref();
  // 'finish': the last byte went to the kernel; 'close': the connection ended first.
  res.once("finish", () => clearTimeout(timer));
  res.once("close", () => clearTimeout(timer));
}

/** Known errors → their status and `{error: {code, message, hint, details}}`; others → 500. */
export function sendError(res: ServerResponse, err: unknown): void {
  if (err instanceof UpkeepError) {
    // A 405 names the methods the route takes (RFC 9110 §15.5.6).
    const allow = err.code === "API_METHOD_NOT_ALLOWED" ? err.details["allow"] : undefined;
    sendJson(res, err.httpStatus, { error: err.toJSON() }, typeof allow === "string" ? { allow } : {});
    return;
  }
  console.error("upkeep: internal error while answering a request:", err);
  sendJson(res, 500, { error: { code: "INTERNAL", message: "internal error (logged by the daemon)" } });
}
