/**
 * Never again: a daemon in a cgroup systemd delegated to it (`Delegate=yes`) that makes its
 * services' cgroups at the top of the hierarchy (`/sys/fs/cgroup/upkeep/<id>/…`), outside its
 * unit, where systemd owns every directory and the unit's limits and accounting do not reach;
 * or that stays in the unit's own cgroup beside its children instead of a leaf (cgroup v2's
 * no-internal-process rule). The test builds the layout systemd makes: a cgroup marked with
 * `trusted.delegate=1`, the daemon started in it, started again there after a SIGKILL.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { stateDirId } from "../../src/config/state-dir-id.js";
import { native } from "../../src/core/native.js";
import { CLI, withTestEnv, type TestEnv } from "../helpers/daemon.js";
import { cgroup2Mount, cgroupProcs } from "../helpers/systemd-boot.js";
import { waitFor } from "../helpers/wait-for.js";

const skip =
  process.getuid?.() !== 0
    ? "needs root to make cgroups and set their trusted.* attributes"
    : cgroup2Mount() === null
      ? "no cgroup v2 mount"
      : native === null || typeof native.setXattr !== "function"
        ? "needs the native addon to set trusted.delegate"
        : false;

/** Starts the daemon as systemd would: born into the unit's cgroup (not its leaf). */
async function startDaemonIn(env: TestEnv, unit: string): Promise<number> {
  const child = spawn(
    "sh",
    [
      "-c",
      'echo $$ > "$0/cgroup.procs" && exec "$@"',
      unit,
      process.execPath,
      CLI,
      "--config",
      env.configFile,
      "daemon",
    ],
    {
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
      env: { ...process.env, UPKEEP_TEST_MARKER: env.marker },
    },
  );
  child.stdout.on("data", (d: Buffer) => (env.daemonOutput += d.toString()));
  child.stderr.on("data", (d: Buffer) => (env.daemonOutput += d.toString()));
  env.daemon = child;
  await waitFor(async () => (await env.api("GET", "/api/v1/status").catch(() => null))?.status === 200, {
    what: `the daemon's socket to answer (output so far: ${env.daemonOutput})`,
    timeout: 20_000,
  });
  return child.pid!;
}

/** rmdir, bottom up (what is left of the test's cgroups). */
function removeTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) removeTree(join(dir, entry.name));
  }
  rmdirSync(dir);
}

test(
  "in a delegated cgroup the daemon moves into its supervisor leaf and makes every cgroup inside the unit's",
  { skip },
  () => {
    const slice = join(cgroup2Mount()!, `upkeep-delegation-test-${randomBytes(4).toString("hex")}`);
    const unit = join(slice, "upkeep.service");
    return withTestEnv(async (env) => {
      env.writeConfig(
        [
          "services:",
          "  a:",
          '    command: [sleep, "1000"]',
          "  b:",
          '    command: [sleep, "1000"]',
          "",
        ].join("\n"),
      );
      mkdirSync(unit, { recursive: true });
      native!.setXattr(unit, "trusted.delegate", "1");
      const id = stateDirId(env.stateDir);
      const inside = (name: string): string => join(unit, "upkeep", id, name);

      const first = await startDaemonIn(env, unit);
      const a = await env.waitForService("a", "running", "a to run");
      const b = await env.waitForService("b", "running", "b to run");
      assert.deepEqual(cgroupProcs(join(unit, "supervisor")), [first], "the daemon is in <unit>/supervisor");
      assert.deepEqual(cgroupProcs(unit), [], "no process left in the unit's own cgroup");
      assert.deepEqual(cgroupProcs(inside("a")), [a.pid], "a's cgroup is inside the unit's");
      assert.deepEqual(cgroupProcs(inside("b")), [b.pid], "b's cgroup is inside the unit's");
      assert.equal(cgroupProcs(inside(".fifo-holder")).length, 1, "so is the FIFO holder's");
      assert.ok(!existsSync(join(cgroup2Mount()!, "upkeep", id)), "nothing at the top of the hierarchy");

      // As systemd's Restart=always would: SIGKILL, then a new daemon in the unit's cgroup.
      await env.killDaemon();
      const second = await startDaemonIn(env, unit);
      assert.deepEqual(cgroupProcs(join(unit, "supervisor")), [second], "the new daemon took the leaf");
      assert.deepEqual(cgroupProcs(unit), []);
      for (const [name, before] of [
        ["a", a],
        ["b", b],
      ] as const) {
        const now = await env.status(name);
        assert.equal(now.state, "running");
        assert.equal(now.pid, before.pid, `${name} was adopted, not started again`);
        assert.deepEqual(cgroupProcs(inside(name)), [before.pid]);
      }

      // A clean stop takes the state dir's cgroups away with the services.
      const exited = new Promise((resolve) => env.daemon!.once("exit", resolve));
      env.daemon!.kill("SIGTERM");
      await exited;
      env.daemon = null;
      assert.ok(!existsSync(join(unit, "upkeep", id)), "the state dir's cgroup was removed");
    }).finally(() => removeTree(slice));
  },
);
