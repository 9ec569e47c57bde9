import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { test } from "node:test";
import { FIXTURES, isAlive, withTestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

// `upkeep check` looked for second copies of a service among every process on the host and
// reported root's process of another state dir (another upkeep daemon running the same
// command) as a copy, advising to kill it. What must never happen again: a process carrying
// another state dir's UPKEEP_STATE_ID, or running as a user who is neither the daemon's nor
// the service's, is not this daemon's copy; a copy that could be (same user, no other state
// dir's id) is still reported.

const NOBODY = 65534;

test(
  "check reports neither another state dir's copy nor another user's, and still reports a copy by hand",
  { skip: process.getuid?.() !== 0 ? "needs root: a copy must run as another user" : false },
  async () => {
    const copies: ChildProcess[] = [];
    try {
      await withTestEnv(async (env) => {
        env.writeConfig(`
services:
  web:
    command: ["{fixtures}/ticker", "{marker}", "0.5"]
`);
        await env.startDaemon();
        await env.waitForService("web", "running", "web running");
        const copy = (options: { env?: Record<string, string>; uid?: number }): ChildProcess => {
          const child = spawn(`${FIXTURES}/ticker`, [env.marker, "0.5"], {
            stdio: "ignore",
            env: { ...process.env, ...options.env },
            ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
          });
          copies.push(child);
          return child;
        };
        const otherStateDir = copy({ env: { UPKEEP_STATE_ID: "0123456789ab", UPKEEP_SERVICE: "web" } });
        const otherUser = copy({ uid: NOBODY });
        await waitFor(() => isAlive(otherStateDir.pid!) && isAlive(otherUser.pid!), { what: "the copies" });

        const quiet = env.cli("check");
        assert.equal(quiet.code, 0, quiet.stdout);
        assert.match(quiet.stdout, /^UPKEEP OK/);

        const byHand = copy({});
        await waitFor(() => isAlive(byHand.pid!), { what: "the copy by hand" });
        const warning = env.cli("check");
        assert.equal(warning.code, 1, warning.stdout);
        assert.match(
          warning.stdout,
          new RegExp(
            `found a second copy outside upkeep's records: PID ${byHand.pid}; do: stop it: kill ${byHand.pid}\\n`,
          ),
        );
        for (const c of copies) c.kill("SIGKILL");
        await waitFor(() => copies.every((c) => !isAlive(c.pid!)), { what: "the copies to die" });
      });
    } finally {
      for (const c of copies) c.kill("SIGKILL");
    }
  },
);
