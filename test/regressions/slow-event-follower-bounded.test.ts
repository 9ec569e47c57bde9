import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { after, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

// Event followers that never read (`upkeep events -f | less`, paused) had every live event
// queued for them in the daemon: 20 of them took it from 55 to 306 MB in 20 s of a crash loop.
// 100 are used here: with 20 the old code grew by 42 MB in the first 10 s, too close to the
// noise of the crash loop itself (the fixed daemon peaked at +20 to +41 MB with 50, on a
// loaded machine); 100 of them take the old code past 150 MB before the first would be dropped.
// What must never happen again: a follower that does not read makes the daemon's memory grow
// without bound. It is dropped instead, and when it reads at last it gets a final `dropped`
// message naming the last event id it was sent, from which it can resume.
const FOLLOWERS = 100;
/** Far below the 250 MB; a follower may cost at most a few hundred KiB. */
const RSS_GROWTH_LIMIT_KB = 90 * 1024;
const env = new TestEnv();
const sockets: Socket[] = [];
after(async () => {
  for (const s of sockets) s.destroy();
  await env.teardown();
});

function rssKb(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(match?.[1]);
}

/** A follower that sends its request and then never reads (the socket is paused at once). */
function openIdleFollower(): Socket {
  const socket = connect(join(env.stateDir, "upkeep.sock"));
  socket.pause();
  // HTTP/1.0: the body comes as it is written, without chunked framing.
  socket.write("GET /api/v1/events?follow=1&n=0 HTTP/1.0\r\n\r\n");
  sockets.push(socket);
  return socket;
}

/** Everything the follower is sent from now on, until the daemon ends the stream. */
function readToEnd(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => (text += d));
    socket.on("end", () => resolve(text));
    socket.on("error", reject);
    socket.resume();
  });
}

test("followers that never read leave the daemon's memory bounded and are dropped with a final message", async () => {
  env.writeConfig(`
services:
  crashy:
    command: [sh, -c, "exit 1", "{marker}"]
    backoff: { initial: 1ms, max: 1ms, jitter: 0 }
    start_limit: { burst: 1000000, interval: 1h }
`);
  await env.startDaemon();
  const pid = env.daemon!.pid!;
  await waitFor(async () => (await env.events("crashy")).length > 50, { what: "the crash loop to run" });
  const baseline = rssKb(pid);
  const followers = Array.from({ length: FOLLOWERS }, openIdleFollower);
  let peak = baseline;
  const drops = (): number => env.daemonOutput.match(/dropped an event follower/g)?.length ?? 0;
  await waitFor(
    () => {
      peak = Math.max(peak, rssKb(pid));
      // Growth past the limit ends the wait too: the assertion below then says by how much.
      return drops() >= FOLLOWERS || peak - baseline >= RSS_GROWTH_LIMIT_KB;
    },
    { what: `all ${FOLLOWERS} idle followers to be dropped`, timeout: 60_000, interval: 200 },
  );
  const growth = peak - baseline;
  console.log(
    `daemon VmRSS: ${baseline} kB before, peak ${peak} kB (+${growth} kB) with ${FOLLOWERS} idle followers`,
  );
  assert.ok(growth < RSS_GROWTH_LIMIT_KB, `the daemon grew by ${growth} kB`);
  assert.equal(drops(), FOLLOWERS, "every idle follower was dropped");

  const text = await readToEnd(followers[0]!);
  const final = /event: dropped\ndata: (.*)\n\n$/.exec(text);
  assert.ok(final, `the stream ends with a dropped message: ...${text.slice(-300)}`);
  const message = JSON.parse(final[1]!) as { reason: string; last_event_id: number; hint: string };
  assert.match(message.reason, /unread/);
  assert.match(message.hint, new RegExp(`Last-Event-ID: ${message.last_event_id}`));
  const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
  assert.ok(ids.length > 0, "the follower was sent events before it fell behind");
  assert.equal(ids.at(-1), message.last_event_id, "the resume id is the last id it was sent");
  assert.equal((await env.api("GET", "/api/v1/status")).status, 200, "the daemon still answers");
});
