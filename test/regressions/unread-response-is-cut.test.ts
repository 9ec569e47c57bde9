import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { after, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

// A client that asked for a large answer (the event list after a crash loop, /metrics or the
// status of 1000 services: hundreds of KiB to MBs) and never read it kept the whole answer in
// the daemon's memory for as long as its connection stayed open, which was forever: the
// daemon set no limit on it. What must never happen again: a reader that leaves an answer
// unread holds its memory without bound in time. Its connection is cut after
// UNREAD_RESPONSE_LIMIT_MS (30 s), with a line in the daemon's log.
const READERS = 5;
const env = new TestEnv();
const sockets: Socket[] = [];
after(async () => {
  for (const s of sockets) s.destroy();
  await env.teardown();
});

/** Sends the request and does not read the answer. */
function requestAndPause(path: string): Socket {
  const socket = connect(join(env.stateDir, "upkeep.sock"));
  sockets.push(socket);
  socket.pause();
  socket.write(`GET ${path} HTTP/1.0\r\n\r\n`);
  return socket;
}

/** Everything left to read on the socket until the daemon's side is gone. */
function readToEnd(socket: Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on("data", (d: Buffer) => chunks.push(d));
    socket.on("close", () => resolve(Buffer.concat(chunks)));
    socket.on("error", reject);
    socket.resume();
  });
}

test("a client that leaves a large answer unread is cut off, with a line in the daemon's log", async () => {
  env.writeConfig(`
services:
  crashy:
    command: [sh, -c, "exit 1", "{marker}"]
    backoff: { initial: 1ms, max: 1ms, jitter: 0 }
    start_limit: { burst: 1000000, interval: 1h }
`);
  await env.startDaemon();
  // ~3000 events of ~300 bytes: an answer of ~1 MB, more than a socket's kernel buffer holds.
  await waitFor(async () => (await env.api("GET", "/api/v1/status")).json.services[0].restarts > 1000, {
    what: "the crash loop to make 1000 restarts",
    timeout: 60_000,
    interval: 200,
  });
  await env.api("POST", "/api/v1/actions", { action: "stop", names: ["crashy"] });
  const readers = Array.from({ length: READERS }, () => requestAndPause("/api/v1/events?n=50000"));
  const cuts = (): number => env.daemonOutput.match(/cut a client that left \d+ bytes/g)?.length ?? 0;
  await waitFor(() => cuts() >= READERS, {
    what: `all ${READERS} paused readers to be cut off`,
    timeout: 50_000,
    interval: 250,
  });
  assert.match(env.daemonOutput, /cut a client that left \d+ bytes of its answer to GET \/api\/v1\/events/);
  const got = (await readToEnd(readers[0]!)).toString("latin1");
  const length = Number(/^content-length: (\d+)$/im.exec(got)?.[1]);
  const body = got.length - got.indexOf("\r\n\r\n") - 4;
  assert.ok(body < length, `the cut answer is incomplete: ${body} of ${length} bytes`);
  assert.equal((await env.api("GET", "/api/v1/status")).status, 200, "the daemon still answers");
});
