/**
 * One HTTP/1.1 request and its whole answer over a UNIX socket, with node:net only.
 *
 * Written by hand for start-up time: loading node:http (its agent, parser bindings and stream
 * classes) costs ≈14 ms of every CLI call on the machines measured here, which is a tenth of
 * `upkeep status --json` and more than its budget over a bare `node -e 0` allows. The other
 * side is always upkeep's own daemon (Node's http server), so the answer is read in the forms
 * it sends: a status line, headers, and a body sized by Content-Length, sent chunked, or ended
 * by the close that `Connection: close` asks for. Streaming answers (`-f`) still use node:http.
 */
import { connect } from "node:net";

export interface ExchangeRequest {
  socketPath: string;
  method: string;
  path: string;
  headers: Record<string, string | number>;
  body?: string;
  /** Give up (onTimeout's error) after this long without the whole answer. */
  timeoutMs?: number;
  onTimeout?: () => Error;
}

export interface ExchangeAnswer {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: Buffer;
}

/** Sends the request and resolves with the complete answer; socket errors reject as they come. */
export function exchange(request: ExchangeRequest): Promise<ExchangeAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(request.socketPath);
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const finish = (error: Error | null, answer?: ExchangeAnswer): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (error) reject(error);
      else resolve(answer!);
    };
    if (request.timeoutMs !== undefined) {
      socket.setTimeout(request.timeoutMs, () =>
        finish(request.onTimeout?.() ?? new Error(`no answer within ${request.timeoutMs} ms`)),
      );
    }
    socket.on("connect", () => {
      const lines = [`${request.method} ${request.path} HTTP/1.1`, "connection: close"];
      for (const [name, value] of Object.entries(request.headers)) lines.push(`${name}: ${value}`);
      // write, not end: a half-closed connection may be closed by the server before it answers.
      socket.write(`${lines.join("\r\n")}\r\n\r\n${request.body ?? ""}`);
    });
    let head: Head | null = null;
    const complete = (closed: boolean): void => {
      const data = Buffer.concat(chunks, received);
      head ??= parseHead(data);
      if (head === null) {
        if (closed) finish(new Error("the daemon closed the connection before its answer's headers ended"));
        return;
      }
      const body = bodyOf(head, data.subarray(head.bodyStart), closed);
      if (body) finish(null, { status: head.status, headers: head.headers, body });
      else if (closed) finish(new Error(`the answer to ${request.method} ${request.path} ended early`));
    };
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      // An answer sized by Content-Length is complete before the close: stop waiting then.
      try {
        if (head === null || (head.length !== null && received - head.bodyStart >= head.length))
          complete(false);
      } catch (err) {
        finish(err as Error);
      }
    });
    socket.on("end", () => {
      try {
        complete(true);
      } catch (err) {
        finish(err as Error);
      }
    });
    socket.on("error", (err) => finish(err));
  });
}

interface Head {
  status: number;
  headers: Record<string, string>;
  bodyStart: number;
  /** Content-Length, when the answer has one. */
  length: number | null;
}

/** The status line and headers, once `data` holds all of them; else null. */
function parseHead(data: Buffer): Head | null {
  const headEnd = data.indexOf("\r\n\r\n");
  if (headEnd < 0) return null;
  const [statusLine = "", ...headerLines] = data.subarray(0, headEnd).toString("latin1").split("\r\n");
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!match) throw new Error(`not an HTTP answer: ${JSON.stringify(statusLine.slice(0, 80))}`);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = headers["content-length"];
  return {
    status: Number(match[1]),
    headers,
    bodyStart: headEnd + 4,
    length: length === undefined ? null : Number(length),
  };
}

/** The whole body, or null while more is to come. */
function bodyOf(head: Head, rest: Buffer, closed: boolean): Buffer | null {
  if (head.length !== null) return rest.length >= head.length ? rest.subarray(0, head.length) : null;
  if (head.headers["transfer-encoding"]?.toLowerCase() === "chunked") return dechunk(rest);
  return closed ? rest : null; // the close ends the body
}

/** The body of a complete chunked encoding (up to its last, empty chunk), or null if incomplete. */
function dechunk(data: Buffer): Buffer | null {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf("\r\n", at);
    if (lineEnd < 0) return null;
    const size = parseInt(data.subarray(at, lineEnd).toString("latin1"), 16);
    if (Number.isNaN(size)) throw new Error("a chunked answer with a bad chunk size");
    if (size === 0) return Buffer.concat(parts);
    const start = lineEnd + 2;
    if (data.length < start + size + 2) return null;
    parts.push(data.subarray(start, start + size));
    at = start + size + 2;
  }
}
