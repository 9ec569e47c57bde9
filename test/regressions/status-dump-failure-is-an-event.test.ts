import assert from "node:assert/strict";
import { mkdirSync, readFileSync, readdirSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { isAlive, TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

// SIGUSR1 writes <state_dir>/status.txt; when that write failed (a full disk, a directory in
// its place) the signal handler threw and the daemon died, leaving its services unwatched.
// What must never happen again: a status dump that cannot be written ends the daemon; it is
// an event (and a stderr line) with the fix, and the next SIGUSR1 works once the cause is gone.
const env = new TestEnv();
after(() => env.teardown());

test("a status dump that cannot be written is an event, and the daemon goes on", async () => {
  env.writeConfig(`
services:
  tick:
    command: ["{fixtures}/ticker", "{marker}", "60"]
`);
  const daemon = await env.startDaemon();
  await env.waitForService("tick", "running", "tick running");
  const dump = join(env.stateDir, "status.txt");
  mkdirSync(dump); // rename(2) of a file over a directory fails: EISDIR

  daemon.kill("SIGUSR1");
  const event = await waitFor(
    async () => {
      const r = await env.api("GET", "/api/v1/events?n=50");
      return (r.json.events as any[]).find(
        (e) => e.kind === "daemon" && /status dump not written/.test(e.reason),
      );
    },
    { what: "a daemon event saying the status dump was not written" },
  );
  assert.match(event.reason, /EISDIR/);
  assert.match(event.reason, /is a directory: move it away/);
  // The stderr line reaches the test through a pipe, maybe after the event came over the API.
  await waitFor(() => /SIGUSR1: status dump not written/.test(env.daemonOutput), {
    what: "the stderr line about the status dump",
  });
  assert.ok(isAlive(daemon.pid!), "the daemon lives");
  assert.equal((await env.status("tick")).state, "running", "and answers");
  assert.deepEqual(
    readdirSync(env.stateDir).filter((f) => f.startsWith("status.txt.tmp")),
    [],
    "no temp file is left behind",
  );

  rmdirSync(dump);
  daemon.kill("SIGUSR1");
  await waitFor(() => /status written to/.test(env.daemonOutput), { what: "the next dump to be written" });
  assert.match(readFileSync(dump, "utf8"), /^tick\tstate=running/m);
});
