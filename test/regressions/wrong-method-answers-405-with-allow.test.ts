import assert from "node:assert/strict";
import { request } from "node:http";
import { join } from "node:path";
import { after, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";

// A route asked with a method it does not take (DELETE /api/v1/services/web, GET
// /api/v1/actions) was answered 404 "no route", as if the path did not exist. What must never
// happen again: a wrong method answered otherwise than 405 with an Allow header naming the
// methods the route takes.
const env = new TestEnv();
after(() => env.teardown());

function send(
  method: string,
  path: string,
): Promise<{ status: number; allow: string | undefined; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: join(env.stateDir, "upkeep.sock"), method, path }, (res) => {
      let text = "";
      res.on("data", (d: Buffer) => (text += d.toString()));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, allow: res.headers["allow"], body: JSON.parse(text) }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

test("a known route asked with another method is 405 with Allow; an unknown path stays 404", async () => {
  env.writeConfig(`services:\n  web:\n    command: ["{fixtures}/ticker", "{marker}", "1"]\n`);
  await env.startDaemon();
  const del = await send("DELETE", "/api/v1/services/web");
  assert.equal(del.status, 405);
  assert.equal(del.allow, "GET");
  assert.equal(del.body.error.code, "API_METHOD_NOT_ALLOWED");
  assert.match(del.body.error.hint, /send GET/);
  const get = await send("GET", "/api/v1/actions");
  assert.equal(get.status, 405);
  assert.equal(get.allow, "POST");
  assert.equal((await send("GET", "/api/v1/nothing")).status, 404);
});
