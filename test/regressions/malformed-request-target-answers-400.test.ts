import assert from "node:assert/strict";
import { connect } from "node:net";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";

// `GET //` and `GET http://[` on the control socket threw out of the request handler
// (`new URL(req.url, ...)` ran outside its error handling) and the daemon died of it.
// What must never happen again: a request target the daemon cannot parse kills it; each is
// answered 400 and the daemon goes on answering.
const env = new TestEnv();
before(async () => {
  env.writeConfig("services: {}\n");
  await env.startDaemon();
});
after(() => env.teardown());

/** Send raw bytes over the control socket; resolves with the whole answer. */
function sendRaw(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(join(env.stateDir, "upkeep.sock"));
    let text = "";
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer to ${JSON.stringify(bytes)}`)));
    socket.on("data", (d: Buffer) => (text += d.toString()));
    socket.on("end", () => resolve(text));
    socket.on("error", reject);
    socket.end(bytes);
  });
}

const TARGETS = [
  "//",
  "http://[",
  "//evil.example/api/v1/status",
  "/\\evil.example/x",
  "*",
  "http://x/api/v1/status",
];

for (const target of TARGETS) {
  test(`GET ${target} is answered 400 and the daemon still answers`, async () => {
    const answer = await sendRaw(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.match(answer, /^HTTP\/1\.1 400 /, answer);
    assert.match(answer, /API_BAD_REQUEST/);
    const status = await env.api("GET", "/api/v1/status");
    assert.equal(status.status, 200);
    assert.equal(env.daemon?.exitCode, null, "the daemon is alive");
  });
}
