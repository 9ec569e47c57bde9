/**
 * GET /api/v1/services/NAME/logs?n=&stream=out|err&timestamps=1[&follow=1]: the last n lines of
 * a service's output (`upkeep logs`), as JSON `{text}`; with follow, a text/event-stream whose
 * first message is that tail and each next one the output captured since (`{text}` each, JSON
 * so that any byte survives the line-based format). A follower that leaves more than
 * MAX_UNREAD_BYTES unread is ended with a `dropped` message: output stays in the files, and
 * the page asks again. Text that is not UTF-8 arrives with replacement characters.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { readQueryCount } from "../query-count.js";
import { join } from "node:path";
import { UpkeepError } from "../../core/errors.js";
import type { LogStream } from "../../logs/log-files.js";
import { followLog, readLogTailAt, type LogPosition } from "../../logs/tail.js";
import type { ApiContext } from "../app.js";
import { sendJson } from "../http-io.js";
import { runnerNamed } from "./services.js";

const MAX_LINES = 10_000;
const MAX_UNREAD_BYTES = 1 << 20;
/** A comment line now and then, so that proxies and browsers keep a quiet stream open. */
const KEEPALIVE_MS = 20_000;

export function handleServiceLogs(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  [name]: string[],
): void {
  const runner = runnerNamed(ctx, name);
  const params = url.searchParams;
  const lines = readQueryCount(url, "n", 100, MAX_LINES);
  const streamText = params.get("stream");
  if (streamText !== null && streamText !== "out" && streamText !== "err") {
    throw new UpkeepError(
      "API_BAD_REQUEST",
      `query field 'stream' must be out or err, got '${streamText.slice(0, 50)}'`,
    );
  }
  const stream: { stream?: LogStream } = streamText === null ? {} : { stream: streamText };
  const timestamps = params.get("timestamps") === "1";
  const logsDir = join(ctx.supervisor.config.stateDir, "logs");
  let tail: { text: Buffer; position: LogPosition | null };
  try {
    tail = readLogTailAt(logsDir, runner.name, { lines, timestamps, ...stream });
  } catch (err) {
    // A follower of a service with no output yet waits for its first line.
    if (!(params.get("follow") === "1" && err instanceof UpkeepError && err.code === "LOGS_NOT_FOUND"))
      throw err;
    tail = { text: Buffer.alloc(0), position: null };
  }
  if (params.get("follow") !== "1") {
    sendJson(res, 200, { name: runner.name, text: tail.text.toString("utf8") });
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store" });
  const send = (text: string): void => {
    res.write(`data: ${JSON.stringify({ text })}\n\n`);
  };
  send(tail.text.toString("utf8"));
  const stop = followLog(
    logsDir,
    runner.name,
    { timestamps, fromEnd: true, from: tail.position, ...stream },
    (chunk) => {
      if (res.writableLength > MAX_UNREAD_BYTES) {
        end();
        res.end(`event: dropped\ndata: ${JSON.stringify({ reason: "output was left unread" })}\n\n`);
        return;
      }
      send(chunk.toString("utf8"));
    },
  );
  const keepalive = setInterval(() => res.write(": keepalive\n\n"), KEEPALIVE_MS);
  const end = (): void => {
    stop();
    clearInterval(keepalive);
  };
  req.on("close", end);
  res.on("close", end);
}
