/**
 * Must never happen again: a forking service's main process (the master its start command
 * forked) ends with exit code 7 and the daemon records "exited (status unknown: not a child of
 * this daemon)". The daemon is a child subreaper, so the master is re-parented to it when the
 * start command exits, and its status is reaped and recorded like a simple service's.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { withTestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

test("a forking service's master that exits with code 7 is recorded with code 7", async () => {
  await withTestEnv(async (env) => {
    const pidfile = join(env.dir, "master.pid");
    const go = join(env.dir, "go");
    // The start command forks the master and exits at once; the master writes its pidfile,
    // waits for the test's go, then exits 7.
    const master = `echo $$ > ${pidfile}; while [ ! -e ${go} ]; do sleep 0.02; done; exit 7`;
    env.writeConfig(`
services:
  master:
    type: forking
    command: [sh, -c, 'sh -c "$0" {marker} & exit 0', '${master}']
    pidfile: ${pidfile}
    restart: no
`);
    await env.startDaemon();
    const running = await env.waitForService("master", "running", "the forking service running");
    writeFileSync(go, "");
    const exit = await waitFor(async () => (await env.events("master")).find((e) => e.kind === "exit"), {
      what: "the master's exit event",
    });
    assert.equal(exit.details.status_known, true, JSON.stringify(exit));
    assert.equal(exit.details.code, 7, JSON.stringify(exit));
    assert.match(exit.reason, /7/);
    const after = await env.status("master");
    assert.equal(after.exit_code, 7, JSON.stringify(after));
    assert.notEqual(running.pid, null);
  });
});
