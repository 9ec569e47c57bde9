/**
 * Must never happen again: the daemon, as PID 1 of a PID namespace (`unshare --pid --fork
 * --mount-proc`, a container), inherits an orphaned grandchild of a service and leaves it a
 * zombie forever; or, as a child subreaper, piles up zombies under a crash loop. Also: as
 * PID 1 it still answers SIGHUP (reload) and SIGTERM (a clean stop, exit 0), which the kernel
 * would drop for PID 1 without a handler.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { describe, test } from "node:test";
import { CLI, findPidsWithArg, withTestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

/** ppid and state of a process from the host's /proc, or null once it is gone (reaped). */
function parentAndState(pid: number): { ppid: number; state: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0] ?? "", ppid: Number(fields[1]) };
  } catch {
    return null;
  }
}

/** Zombies whose parent is `pid`. */
function zombieChildren(pid: number): number[] {
  return readdirSync("/proc")
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((p) => {
      const s = parentAndState(p);
      return s !== null && s.state === "Z" && s.ppid === pid;
    });
}

const hasUnshare = spawnSync("unshare", ["--pid", "--fork", "--mount-proc", "true"]).status === 0;

describe("orphans are reaped by the daemon", () => {
  test(
    "as PID 1 under unshare: an orphaned grandchild is reaped, SIGHUP reloads, SIGTERM stops cleanly",
    { skip: hasUnshare ? false : "needs root and unshare(1) to make a PID namespace" },
    async () => {
      await withTestEnv(async (env) => {
        const config = `
services:
  parent:
    # The inner sh forks a grandchild and exits: the grandchild is orphaned, then exits itself.
    command: [sh, -c, 'sh -c "sh -c \\"sleep 0.5; exit 3\\" {marker}-orphan & exit 0"; exec sleep 1000', '{marker}']
`;
        env.writeConfig(config);
        const unshare = spawn(
          "unshare",
          [
            "--pid",
            "--fork",
            "--mount-proc",
            "--kill-child",
            process.execPath,
            CLI,
            "--config",
            env.configFile,
            "daemon",
          ],
          { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, UPKEEP_TEST_MARKER: env.marker } },
        );
        let output = "";
        unshare.stdout.on("data", (d: Buffer) => (output += d.toString()));
        unshare.stderr.on("data", (d: Buffer) => (output += d.toString()));
        const exited = new Promise<number | null>((resolve) => unshare.once("exit", (code) => resolve(code)));
        try {
          const daemonPid = await waitFor(
            () => {
              const children = readFileSync(
                `/proc/${unshare.pid}/task/${unshare.pid}/children`,
                "utf8",
              ).trim();
              return children === "" ? null : Number(children.split(" ")[0]);
            },
            { what: "the daemon, unshare's child" },
          );
          await env.waitForService("parent", "running", "the service running").catch((err: Error) => {
            throw new Error(`${err.message}\n${output}`);
          });
          // The orphan, re-parented to the daemon (PID 1 of the namespace)...
          const orphan = await waitFor(
            () => {
              const pid = findPidsWithArg(`${env.marker}-orphan`)[0];
              return pid !== undefined && parentAndState(pid)?.ppid === daemonPid ? pid : null;
            },
            { what: "the orphaned grandchild re-parented to the daemon" },
          );
          // ...exits after 0.5 s, and must then be reaped: gone, not a zombie.
          await waitFor(() => parentAndState(orphan) === null, {
            what: `the orphan ${orphan} reaped, not left a zombie of the daemon`,
            timeout: 5_000,
          });
          assert.deepEqual(zombieChildren(daemonPid), []);
          assert.match(output, /running as PID 1/);

          writeFileSync(
            env.configFile,
            `state_dir: ./state\nhttp: false\n${config}  second:\n    command: [sh, -c, "exec sleep 1000", "${env.marker}"]\n`.replaceAll(
              "{marker}",
              env.marker,
            ),
          );
          // Leaving the services running would let the kernel kill them with PID 1: refused.
          const leave = env.cli("shutdown", "--leave-running");
          assert.equal(leave.code, 1, leave.stdout + leave.stderr);
          assert.match(leave.stderr, /PID 1 of its PID namespace/);
          assert.equal((await env.status("parent")).state, "running", "the daemon runs on");

          process.kill(daemonPid, "SIGHUP");
          await env
            .waitForService("second", "running", "the service added by SIGHUP's reload running")
            .catch((err: Error) => {
              throw new Error(`${err.message}\n${output}`);
            });

          process.kill(daemonPid, "SIGTERM");
          assert.equal(await exited, 0, output);
          assert.match(output, /SIGTERM: stopping all services/);
          assert.deepEqual(env.markedPids(), []);
        } finally {
          unshare.kill("SIGKILL"); // --kill-child: the daemon goes with it, should the test fail
          await exited;
        }
      });
    },
  );

  test("a zero-backoff crash loop that orphans a grandchild each run leaves no zombie of the daemon", async () => {
    await withTestEnv(async (env) => {
      env.writeConfig(`
services:
  loop:
    command: [sh, -c, 'sh -c "sh -c \\"exit 0\\" & exit 0"; exit 1', '{marker}']
    backoff: { initial: 0ms, max: 1ms }
    start_limit: { burst: 1000, interval: 60s }
`);
      const daemon = await env.startDaemon();
      const pid = daemon.pid!;
      let most = 0;
      await waitFor(
        async () => {
          most = Math.max(most, zombieChildren(pid).length);
          return (await env.status("loop")).restarts >= 60;
        },
        { what: "60 restarts of the crash loop", timeout: 30_000 },
      );
      assert.equal(env.cli("stop", "loop").code, 0);
      await waitFor(() => zombieChildren(pid).length === 0, {
        what: `no zombie child of the daemon (now: ${zombieChildren(pid).join(", ")})`,
        timeout: 2_000,
      });
      // A zombie lives from its exit to the next turn of the daemon's loop: a few at once at most.
      assert.ok(most <= 3, `at most 3 zombies at a time while it looped; seen ${most}`);
    });
  });
});
