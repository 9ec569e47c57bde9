import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { isAlive, withTestEnv } from "../helpers/daemon.js";
import { forgeProcessRows, readProcessRows, startTimeOf } from "../helpers/store-rows.js";
import { waitFor } from "../helpers/wait-for.js";

// A state.db record forged to name a root process that upkeep never started (with its right
// start time and boot id, a cgroup path outside upkeep's and a run id that process carries) made
// the daemon adopt it, kill it as the leftover of a removed service, or kill every process of
// the named cgroup as "stale leftovers". What must never happen again: a record alone is no
// reason to signal anything; such a record is reported, cleared, and its process left alone.

/** The cgroup2 mount point, or null. */
function cgroup2Mount(): string | null {
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const [left, right] = line.split(" - ");
    if (right?.split(" ")[0] === "cgroup2") return left?.split(" ")[4] ?? null;
  }
  return null;
}

/** A `sleep` in a session of its own, started by the test (not by upkeep), with `env`. */
function foreignSleep(env: Record<string, string> = {}): ChildProcess {
  const child = spawn("sleep", ["1000"], {
    detached: true,
    stdio: "ignore",
    env: { ...process.env, ...env },
  });
  child.unref();
  return child;
}

const root = process.getuid?.() === 0;

test(
  "a forged record naming a process upkeep did not start never gets that process signalled",
  { skip: root ? false : "needs root: the processes a forged record names must be root's own" },
  async () => {
    const mount = cgroup2Mount();
    const foreignCgroup = mount === null ? null : join(mount, `forged-${randomUUID().slice(0, 8)}`);
    const foreignRun = randomUUID();
    const sleeps: ChildProcess[] = [];
    try {
      await withTestEnv(async (env) => {
        env.writeConfig(`
services:
  victim:
    command: ["{fixtures}/ticker", "{marker}", "5"]
  reused:
    command: ["{fixtures}/ticker", "{marker}", "5"]
  ghost:
    command: ["{fixtures}/ticker", "{marker}", "5"]
`);
        await env.startDaemon();
        await env.waitForService("ghost", "running", "ghost running");
        assert.equal(env.cli("shutdown").code, 0);
        await waitFor(() => env.daemon?.exitCode !== null, { what: "the daemon to exit" });
        // ghost leaves the config: its record below is one of a removed service.
        env.writeConfig(`
services:
  victim:
    command: ["{fixtures}/ticker", "{marker}", "5"]
  reused:
    command: ["{fixtures}/ticker", "{marker}", "5"]
`);
        const marked = { UPKEEP_RUN_ID: foreignRun, UPKEEP_SERVICE: "reused" };
        const [adoptable, removed, inCgroup] = [foreignSleep(marked), foreignSleep(), foreignSleep(marked)];
        sleeps.push(adoptable, removed, inCgroup);
        if (foreignCgroup !== null) {
          mkdirSync(foreignCgroup);
          writeFileSync(join(foreignCgroup, "cgroup.procs"), String(adoptable.pid));
          writeFileSync(join(foreignCgroup, "cgroup.procs"), String(inCgroup.pid));
        }
        const pid = (c: ChildProcess): number => c.pid!;
        forgeProcessRows(env.stateDir, [
          // live, right identity: the old daemon adopted it (and a stop killed it)
          {
            service: "victim",
            pid: pid(adoptable),
            startTime: startTimeOf(pid(adoptable)),
            runId: foreignRun,
            cgroup: foreignCgroup,
          },
          // a service no longer in the config: the old daemon killed its "processes"
          {
            service: "ghost",
            pid: pid(removed),
            startTime: startTimeOf(pid(removed)),
            runId: foreignRun,
            cgroup: foreignCgroup,
          },
          // stale (start time differs): its "leftovers" were looked for by cgroup and run id
          {
            service: "reused",
            pid: pid(inCgroup),
            startTime: startTimeOf(pid(inCgroup)) + 1,
            runId: foreignRun,
            cgroup: foreignCgroup,
          },
        ]);

        await env.startDaemon();
        const victim = await env.waitForService("victim", "running", "victim started anew");
        await env.waitForService("reused", "running", "reused started anew");
        assert.notEqual(victim.pid, adoptable.pid, "the foreign process was not adopted");
        for (const c of sleeps) assert.ok(isAlive(pid(c)), `foreign PID ${pid(c)} is alive after start-up`);

        const untied = (await env.events("victim")).find((e) => e.kind === "stale");
        assert.ok(untied, "a stale event reports the record of victim");
        assert.equal(untied.details.status, "untied");
        assert.match(untied.reason, new RegExp(`PID ${pid(adoptable)}.*not signalled`));
        const ghost = (await env.events("ghost")).filter((e) => e.kind === "stale");
        assert.ok(
          ghost.some((e) => /not signalled/.test(e.reason)),
          `the removed service's record is reported as not tied: ${JSON.stringify(ghost)}`,
        );
        assert.equal(readProcessRows(env.stateDir).has("ghost"), false, "the forged record is cleared");

        assert.equal(env.cli("shutdown").code, 0);
        await waitFor(() => env.daemon?.exitCode !== null, { what: "the daemon to exit" });
        for (const c of sleeps) assert.ok(isAlive(pid(c)), `foreign PID ${pid(c)} is alive after shutdown`);
      });
    } finally {
      for (const c of sleeps) c.kill("SIGKILL");
      if (foreignCgroup !== null) {
        await waitFor(
          () => {
            try {
              rmdirSync(foreignCgroup);
              return true;
            } catch {
              return false;
            }
          },
          { what: "the test's cgroup to empty" },
        ).catch(() => undefined);
      }
    }
  },
);
