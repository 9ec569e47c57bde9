import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { withTestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

// A clean shutdown removed each service's cgroup but left the state dir's own,
// <cgroup2>/upkeep/<state id>: one per state dir ever used piled up (271 of them on one host).
// What must never happen again: after a clean shutdown nothing of the state dir's cgroup
// subtree is left, neither the services' cgroups nor the FIFO holder's nor the state dir's.

/** The cgroup2 mount point, or null. */
function cgroup2Mount(): string | null {
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const [left, right] = line.split(" - ");
    if (right?.split(" ")[0] === "cgroup2") return left?.split(" ")[4] ?? null;
  }
  return null;
}

const mount = cgroup2Mount();

test(
  "a clean shutdown leaves no cgroup directory of its state dir behind",
  {
    skip:
      process.getuid?.() !== 0 || mount === null
        ? "needs root and a cgroup2 mount: services get cgroups only then"
        : false,
  },
  async () => {
    await withTestEnv(async (env) => {
      env.writeConfig(`
services:
  one:
    command: ["{fixtures}/ticker", "{marker}", "5"]
  two:
    command: ["{fixtures}/ticker", "{marker}", "5"]
`);
      await env.startDaemon();
      const { pid } = await env.waitForService("one", "running", "one running");
      await env.waitForService("two", "running", "two running");
      const line = readFileSync(`/proc/${pid}/cgroup`, "utf8")
        .split("\n")
        .find((l) => l.startsWith("0::"));
      const match = /^0::\/upkeep\/(\w+)\/one$/.exec(line ?? "");
      assert.ok(match, `the service runs in a cgroup of upkeep's: ${line}`);
      const stateCgroup = join(mount!, "upkeep", match[1]!);
      assert.ok(existsSync(join(stateCgroup, ".fifo-holder")), "the FIFO holder has its cgroup");

      assert.equal(env.cli("shutdown").code, 0);
      await waitFor(() => env.daemon?.exitCode !== null, { what: "the daemon to exit" });
      assert.equal(env.daemon?.exitCode, 0);
      assert.equal(existsSync(stateCgroup), false, `${stateCgroup} is removed`);
    });
  },
);
