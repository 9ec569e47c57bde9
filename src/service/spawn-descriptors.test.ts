import assert from "node:assert/strict";
import { spawnSync, type StdioOptions } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { nativeSpawnError } from "../core/native.js";

const NATIVE = fileURLToPath(new URL("../core/native.js", import.meta.url));

/**
 * A process that holds fd 251 without close-on-exec (as a daemon does that inherited it)
 * spawns `sleep` with the addon and prints the descriptors the new process holds.
 */
const SCRIPT = `
import { readdirSync } from "node:fs";
import { nativeSpawn } from ${JSON.stringify(NATIVE)};
const held = readdirSync("/proc/self/fd").includes("251");
const pid = nativeSpawn("/bin/sleep", ["sleep", "5"], [], null, [0, 1, 2], -1, -1, null, (error) => {
  if (error) throw error;
  const fds = readdirSync("/proc/" + pid + "/fd").map(Number).sort((a, b) => a - b);
  process.kill(pid, "SIGKILL");
  console.log(JSON.stringify({ held, fds }));
}, () => process.exit(0));
`;

test(
  "the native spawner gives the child stdio only, also when the spawner holds a descriptor without close-on-exec",
  { skip: nativeSpawnError ?? false },
  () => {
    const stdio: StdioOptions = ["ignore", "pipe", "pipe"];
    for (let fd = 3; fd < 251; fd++) stdio.push("ignore");
    stdio.push("pipe");
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", SCRIPT], {
      stdio,
      encoding: "utf8",
      timeout: 20_000,
    });
    assert.equal(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout) as { held: boolean; fds: number[] };
    assert.equal(result.held, true, "the spawning process holds fd 251");
    assert.deepEqual(result.fds, [0, 1, 2]);
  },
);
