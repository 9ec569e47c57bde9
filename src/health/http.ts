/**
 * The http probe: a GET answers with a 2xx status and, when `body` is set, a body whose first
 * 64 KiB match that regular expression. One connection per probe (agent: false, no
 * keep-alive: a pooled socket would outlive the probe and could reach a service that has
 * since been restarted); redirects are not followed (a 3xx fails, and says so).
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage } from "node:http";
import { lazyBuiltin } from "../core/lazy-builtin.js";
import type { ProbeSpec } from "../config/model.js";
import { formatDuration } from "../core/duration.js";
import {
  describeError,
  noAnswerWithin,
  runBounded,
  type ProbeContext,
  type ProbeOutcome,
} from "./probe-outcome.js";

/** Loaded at the first https probe (with tls, ≈4 ms of a start otherwise). */
const https = lazyBuiltin<typeof import("node:https")>("node:https");

/** At most this much of the body is read for the `body` pattern. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Sends one GET; never rejects. */
export function probeHttp(
  spec: Extract<ProbeSpec, { kind: "http" }>,
  context: ProbeContext,
): Promise<ProbeOutcome> {
  const subject = `GET ${spec.url}`;
  let url: URL;
  let pattern: RegExp | null;
  try {
    url = new URL(spec.url);
  } catch {
    // TypeError ERR_INVALID_URL: the message would only repeat the URL.
    return Promise.resolve({ ok: false, detail: `${subject}: not a valid URL` });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return Promise.resolve({ ok: false, detail: `${subject}: only http: and https: URLs can be probed` });
  }
  try {
    pattern = spec.body === null ? null : new RegExp(spec.body);
  } catch (err) {
    return Promise.resolve({
      ok: false,
      detail: `${subject}: body pattern /${spec.body}/: ${describeError(err)}`,
    });
  }
  let status: number | null = null;
  return runBounded(
    context,
    subject,
    (finish) => {
      const send = url.protocol === "https:" ? https().request : httpRequest;
      const req: ClientRequest = send(url, {
        method: "GET",
        agent: false,
        headers: { "user-agent": "upkeep-probe" },
      });
      // Errors after the verdict (the socket reset by our own destroy) are expected: keep a
      // listener so that they are not uncaught.
      req.on("error", (err) => finish({ ok: false, detail: `${subject}: ${describeError(err)}` }));
      req.once("response", (res) => {
        status = res.statusCode ?? 0;
        readResponse(res, subject, pattern, finish);
      });
      req.end();
      return () => req.destroy();
    },
    () =>
      status !== null
        ? `status ${status}, body not complete within ${formatDuration(context.timeoutMs)}`
        : noAnswerWithin(context.timeoutMs),
  );
}

function readResponse(
  res: IncomingMessage,
  subject: string,
  pattern: RegExp | null,
  finish: (outcome: ProbeOutcome) => void,
): void {
  const status = res.statusCode ?? 0;
  res.on("error", (err) => finish({ ok: false, detail: `${subject}: ${describeError(err)}` }));
  if (status < 200 || status > 299) {
    const redirect = status >= 300 && status < 400 ? " (redirects are not followed)" : "";
    finish({ ok: false, detail: `${subject}: status ${status}${redirect}` });
    return;
  }
  if (pattern === null) {
    finish({ ok: true, detail: `${subject}: status ${status}` });
    return;
  }
  const parts: Buffer[] = [];
  let size = 0;
  const check = (): void => {
    const body = Buffer.concat(parts).subarray(0, MAX_BODY_BYTES).toString("utf8");
    const matched = pattern.test(body);
    const detail = matched
      ? `status ${status}, body matched /${pattern.source}/`
      : `body did not match /${pattern.source}/`;
    finish({ ok: matched, detail: `${subject}: ${detail}` });
  };
  res.on("data", (chunk: Buffer) => {
    parts.push(chunk);
    size += chunk.length;
    if (size >= MAX_BODY_BYTES) check(); // enough read: the rest is never looked at
  });
  res.once("end", check);
}
