/**
 * Must never happen again: where the kernel (or an emulator, or a seccomp filter) answers
 * clone3 with ENOSYS, a daemon running as root with cgroups failed every start with "Function
 * not implemented" until the start limit, instead of starting services through Node's
 * child_process. The retry of the clone3 outside the service's cgroup threw the addon's raw
 * error, which has no `code`, so the fallback never recognised it.
 *
 * qemu-user answers clone3 with ENOSYS (QEMU 7.2, Debian 12): the daemon runs on this very
 * machine's Node under qemu-x86_64, which is how the arm64 spawner was found to fall through.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { CLI, withTestEnv } from "../helpers/daemon.js";
import { startDaemonWith } from "../helpers/package.js";

const QEMU = "/usr/bin/qemu-x86_64";
const cgroup2 = readFileSync("/proc/self/mounts", "utf8").includes(" cgroup2 ");
const skip =
  process.getuid?.() !== 0
    ? "needs root: the daemon gives services a cgroup only as root, and the fault was in that path"
    : process.arch !== "x64"
      ? `runs this machine's x86_64 Node under qemu-x86_64; this is ${process.arch}`
      : !existsSync(QEMU)
        ? `${QEMU} is not installed (Debian package qemu-user; scripts/install-test-deps.sh installs it)`
        : !cgroup2
          ? "needs cgroup v2 mounted: the fault was in the start inside a service's cgroup"
          : false;

test(
  "a clone3 answered with ENOSYS makes the daemon start services with child_process",
  { skip },
  async () => {
    await withTestEnv(async (env) => {
      env.writeConfig(`services:\n  sleeper:\n    command: [/bin/sh, -c, "exec sleep 600", "{marker}"]\n`);
      await startDaemonWith(env, [QEMU, process.execPath, CLI], process.env["PATH"] ?? "");
      const running = await env.waitForService(
        "sleeper",
        "running",
        "the service to run though clone3 fails",
      );
      assert.equal(running.restarts, 0, "the first start succeeded");
      assert.match(env.daemonOutput, /clone3 is not available/);
    });
  },
);
