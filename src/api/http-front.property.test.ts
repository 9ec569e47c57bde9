import assert from "node:assert/strict";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import fc from "fast-check";
import { createHttpFront } from "./http-front.js";
import type { GuardOptions } from "./http-guard.js";
import { sendJson } from "./http-io.js";
import { Sessions } from "./sessions.js";

// Whatever a TCP client sends (Host, Authorization, Cookie, CSRF header, method, target), the
// front answers below 500, and a request reaches the API only with an allowed Host and the
// right token. Served in-process over real TCP; the API behind it just counts what reaches it.
let server: Server;
let port = 0;
let reached = 0;
const guard: GuardOptions = {
  token: "k".repeat(43),
  host: "127.0.0.1",
  port: 0,
  names: [],
  sessions: new Sessions(),
};

before(async () => {
  const api = (_req: unknown, res: Parameters<typeof sendJson>[0]): void => {
    reached++;
    sendJson(res, 200, { ok: true });
  };
  server = createServer(createHttpFront(api, guard, () => new Map()));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
  guard.port = port;
});
after(() => server.close());

function send(method: string, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path, headers, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

const headerText = fc.string({ unit: fc.constantFrom(..."abcz09:.-[]_ /=%@;"), maxLength: 40 });

test("no input gets a 500 or reaches the API without the right Host and token", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        method: fc.constantFrom("GET", "POST", "DELETE", "PUT", "OPTIONS", "HEAD"),
        path: fc.oneof(
          fc.constantFrom("/api/v1/status", "/api/v1/session", "/", "/x", "/api/v1/ui/login"),
          headerText.map((t) => `/${t.replace(/[ %]/g, "")}`),
        ),
        host: fc.oneof(
          fc.constant(`127.0.0.1:${port}`),
          headerText.filter((h) => h.trim() !== ""),
        ),
        authorization: fc.oneof(
          fc.constant(`Bearer ${guard.token}`),
          headerText.map((t) => `Bearer ${t.trim()}`),
          fc.constant(""),
        ),
        cookie: fc.oneof(
          fc.constant(""),
          headerText.map((t) => `upkeep_session_${port}=${t.replace(/;/g, "")}`),
        ),
      }),
      async ({ method, path, host, authorization, cookie }) => {
        const before = reached;
        const headers: Record<string, string> = { host };
        if (authorization !== "") headers["authorization"] = authorization;
        if (cookie !== "") headers["cookie"] = cookie;
        const status = await send(method, path, headers);
        assert.ok(status < 500, `${method} ${path} Host ${host}: ${status}`);
        if (reached > before) {
          assert.equal(host, `127.0.0.1:${port}`);
          assert.equal(authorization, `Bearer ${guard.token}`);
        }
      },
    ),
    { numRuns: 300 },
  );
});
