import assert from "node:assert/strict";
import { request } from "node:http";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

// An event follower that lost its connection could not resume: the stream carried no `id:`
// and the daemon ignored `Last-Event-ID`, so a reconnect got the newest n events again and
// missed (or repeated) what came in between.
// What must never happen again: a follower that resumes after an id gets every event after it,
// from the store first and then live, each exactly once, in order.
const env = new TestEnv();
before(async () => {
  env.writeConfig(`
services:
  t:
    command: [{fixtures}/ticker, "{marker}", "60"]
`);
  await env.startDaemon();
  await env.waitForService("t", "running", "t running");
});
after(() => env.teardown());

interface Follow {
  ids: number[];
  text: () => string;
  close: () => void;
  status: number;
}

/** Follow the events over the control socket; `ids` fills with the `id:` of each event. */
function follow(path: string, headers: Record<string, string> = {}): Promise<Follow> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: join(env.stateDir, "upkeep.sock"), path, headers }, (res) => {
      let text = "";
      const ids: number[] = [];
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        text += d;
        ids.splice(0, ids.length, ...[...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1])));
      });
      resolve({ ids, text: () => text, close: () => req.destroy(), status: res.statusCode ?? 0 });
    });
    req.on("error", reject);
    req.end();
  });
}

async function restartT(): Promise<void> {
  const before = await env.status("t");
  assert.equal((await env.api("POST", "/api/v1/actions", { action: "restart", names: ["t"] })).status, 200);
  await env.waitForService("t", "running", "t running again", before.pid);
}

for (const how of ["the Last-Event-ID header", "the after query field"]) {
  test(`a follower resuming with ${how} gets every later event from the store, then live`, async () => {
    await restartT();
    const all = (await env.events("t")).map((e: { id: number }) => e.id);
    assert.ok(all.length >= 4);
    const resumeAt = all[all.length - 4]!;
    const expected = all.filter((id: number) => id > resumeAt);
    const path = "/api/v1/events?service=t&follow=1&n=1";
    const f =
      how === "the after query field"
        ? await follow(`${path}&after=${resumeAt}`)
        : await follow(path, { "Last-Event-ID": String(resumeAt) });
    assert.equal(f.status, 200);
    await waitFor(() => f.ids.length >= expected.length, { what: "the stored events after the resume id" });
    assert.deepEqual(f.ids, expected, "every stored event after the id, once, in order");

    await restartT();
    const now = (await env.events("t")).map((e: { id: number }) => e.id);
    const live = now.filter((id: number) => id > expected.at(-1)!);
    await waitFor(() => f.ids.length >= expected.length + live.length, { what: "the live events" });
    assert.deepEqual(f.ids, [...expected, ...live], "then the live ones, none lost or repeated");
    f.close();
  });
}

test("a resume id that is not a whole number is answered 400", async () => {
  const r = await follow("/api/v1/events?follow=1", { "Last-Event-ID": "12abc" });
  assert.equal(r.status, 400);
  r.close();
});
