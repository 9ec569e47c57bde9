import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer as createNetServer, type Server as NetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { exchange } from "./http-exchange.js";

const dir = mkdtempSync(join(tmpdir(), "upkeep-exchange-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let serial = 0;

async function listening<T extends HttpServer | NetServer>(
  server: T,
): Promise<{ server: T; socketPath: string }> {
  const socketPath = join(dir, `s${++serial}.sock`);
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return { server, socketPath };
}

function close(server: HttpServer | NetServer): Promise<void> {
  if ("closeAllConnections" in server) server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

const get = (socketPath: string) =>
  exchange({ socketPath, method: "GET", path: "/x", headers: { host: "upkeep" } });

test("a Content-Length answer is complete before the close, bytes exact (1 MiB of all byte values)", async () => {
  const body = Buffer.alloc(1 << 20, 0);
  for (let i = 0; i < body.length; i++) body[i] = i % 256;
  const { server, socketPath } = await listening(
    createHttpServer((req, res) => {
      res.writeHead(201, { "content-type": "application/octet-stream", "content-length": body.length });
      res.end(body);
      assert.equal(req.headers.connection, "close");
    }),
  );
  try {
    const answer = await get(socketPath);
    assert.equal(answer.status, 201);
    assert.equal(answer.headers["content-type"], "application/octet-stream");
    assert.ok(answer.body.equals(body));
  } finally {
    await close(server);
  }
});

test("a chunked answer is put together, and a POST body reaches the server", async () => {
  let seen = "";
  const { server, socketPath } = await listening(
    createHttpServer((req, res) => {
      req.on("data", (chunk: Buffer) => (seen += chunk.toString()));
      req.on("end", () => {
        res.writeHead(404, { "content-type": "application/json" });
        res.write('{"error":');
        res.end('{"code":"SERVICE_UNKNOWN","message":"ünknown"}}');
      });
    }),
  );
  try {
    const payload = JSON.stringify({ names: ["wéb"] });
    const answer = await exchange({
      socketPath,
      method: "POST",
      path: "/api",
      headers: {
        host: "upkeep",
        "content-type": "application/json",
        "content-length": Buffer.byteLength(payload),
      },
      body: payload,
    });
    assert.equal(answer.status, 404);
    assert.equal(answer.headers["transfer-encoding"], "chunked");
    assert.equal(answer.body.toString(), '{"error":{"code":"SERVICE_UNKNOWN","message":"ünknown"}}');
    assert.equal(seen, payload);
  } finally {
    await close(server);
  }
});

test("an answer without length ends at the close; one cut short, or not HTTP, is an error", async () => {
  const answers = [
    "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil the end",
    "HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort",
    "SSH-2.0-nope\r\n\r\n",
    "HTTP/1.1 200",
  ];
  let next = 0;
  const { server, socketPath } = await listening(
    createNetServer((socket) => {
      const text = answers[next++]!;
      socket.once("data", () => socket.end(text));
    }),
  );
  try {
    assert.equal((await get(socketPath)).body.toString(), "until the end");
    await assert.rejects(get(socketPath), /ended early/);
    await assert.rejects(get(socketPath), /not an HTTP answer/);
    await assert.rejects(get(socketPath), /before its answer's headers ended/);
  } finally {
    await close(server);
  }
});

test("no answer within the timeout rejects with the caller's error; a missing socket with ENOENT", async () => {
  const { server, socketPath } = await listening(createNetServer((socket) => socket.resume())); // reads, never answers
  try {
    await assert.rejects(
      exchange({
        socketPath,
        method: "GET",
        path: "/",
        headers: {},
        timeoutMs: 50,
        onTimeout: () => new Error("too slow"),
      }),
      /too slow/,
    );
    await assert.rejects(get(join(dir, "none.sock")), (err: NodeJS.ErrnoException) => err.code === "ENOENT");
  } finally {
    await close(server);
  }
});
