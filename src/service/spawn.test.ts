import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { waitFor } from "../../test/helpers/wait-for.js";
import { loadConfig } from "../config/load.js";
import type { ServiceConfig } from "../config/model.js";
import { nativeSpawnError } from "../core/native.js";
import {
  cgroupPids,
  cgroupRecordPath,
  createServiceCgroup,
  detectCgroupRoot,
  readProcCgroup,
  removeCgroup,
} from "../identity/cgroup.js";
import { readProcStat } from "../identity/proc-stat.js";
import { createMarker, killMarked } from "../identity/test-fixtures.js";
import type { ServiceOutput } from "./output.js";
import { SPAWNER, spawnService } from "./spawn.js";

const dir = realpathSync(mkdtempSync(join(tmpdir(), "upkeep-spawn-")));
const marker = createMarker();
const cgroupRoot = detectCgroupRoot();
const cgroupGroup = `test-${randomBytes(4).toString("hex")}`;
after(async () => {
  await killMarked(marker);
  if (cgroupRoot !== null) removeCgroup(join(cgroupRoot, "upkeep", cgroupGroup));
  rmSync(dir, { recursive: true, force: true });
});

/** A service config as the daemon gets it, from a real config file. */
function serviceConfig(yaml: string): ServiceConfig {
  const file = join(dir, `upkeep-${randomBytes(4).toString("hex")}.yaml`);
  writeFileSync(file, `services:\n  svc:\n${yaml}`);
  const loaded = loadConfig(file);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  return loaded.config.services[0]!;
}

/** stdout and stderr into two files, as ServiceLog hands out its FIFO ends. */
function fileOutput(): ServiceOutput & { read(): { out: string; err: string } } {
  const name = randomBytes(4).toString("hex");
  const paths = { out: join(dir, `${name}.out`), err: join(dir, `${name}.err`) };
  let fds: { out: number; err: number } | null = null;
  return {
    childStdio: () => (fds = { out: openSync(paths.out, "a"), err: openSync(paths.err, "a") }),
    releaseChildStdio: () => {
      if (fds) [fds.out, fds.err].forEach((fd) => closeSync(fd));
      fds = null;
    },
    marker: () => undefined,
    drainNow: () => undefined,
    read: () => ({ out: readFileSync(paths.out, "utf8"), err: readFileSync(paths.err, "utf8") }),
  };
}

test(
  "the native spawner is built and loaded on x86_64 and arm64 Linux (npm ci builds it)",
  {
    skip: ["x64", "arm64"].includes(process.arch)
      ? false
      : `the clone3 stub is for x86_64 and arm64; this is ${process.arch}`,
  },
  () => {
    assert.equal(nativeSpawnError, null);
    assert.equal(SPAWNER, "native");
  },
);

for (const spawner of ["native", "node"] as const) {
  describe(
    `spawnService with the ${spawner} spawner`,
    { skip: spawner === "native" && nativeSpawnError !== null ? `not loaded: ${nativeSpawnError}` : false },
    () => {
      test("runs argv in its own session and group, with cwd, env and the output fds; reports the exit code", async () => {
        const config = serviceConfig(
          `    command: [sh, -c, 'echo "$0 $PWD $UPKEEP_SERVICE $GREETING"; echo oops >&2; exit 3', ${marker}]\n` +
            `    cwd: ${dir}\n    env: { GREETING: hello }\n`,
        );
        const output = fileOutput();
        const spawned = await spawnService(config, output, null, { spawner });
        const stat = readProcStat(spawned.pid);
        if (stat) {
          // Still running (it may already have exited): a session and group of its own.
          assert.equal(stat.sid, spawned.pid);
          assert.equal(stat.pgid, spawned.pid);
        }
        assert.deepEqual(await spawned.exited, { code: 3, signal: null });
        assert.deepEqual(output.read(), { out: `${marker} ${dir} svc hello\n`, err: "oops\n" });
      });

      test("a signal death is reported by name, and the child starts with default signal handling", async () => {
        const config = serviceConfig(`    command: [sleep, "${marker}"]\n`);
        const spawned = await spawnService(config, fileOutput(), null, { spawner });
        const status = readFileSync(`/proc/${spawned.pid}/status`, "utf8");
        assert.match(status, /^SigBlk:\s+0+$/m, "no signal blocked");
        assert.match(status, /^SigIgn:\s+0+$/m, "no signal ignored (the daemon ignores SIGPIPE)");
        const stat = readProcStat(spawned.pid)!;
        assert.equal(stat.sid, spawned.pid);
        process.kill(spawned.pid, "SIGTERM");
        assert.deepEqual(await spawned.exited, { code: null, signal: "SIGTERM" });
      });

      test("a missing program and a missing cwd are errors naming what is missing", async () => {
        const missing = serviceConfig(`    command: [${dir}/no-such-program]\n`);
        await assert.rejects(spawnService(missing, fileOutput(), null, { spawner }), /ENOENT/);
        if (spawner === "native") {
          const badCwd = serviceConfig(`    command: [sleep, "1"]\n    cwd: ${dir}/no-such-dir\n`);
          await assert.rejects(
            spawnService(badCwd, fileOutput(), null, { spawner }),
            new RegExp(`working directory ${dir}/no-such-dir: ENOENT`),
          );
        }
      });

      test(
        "the child is born in its cgroup, and so is what it forks at once",
        {
          skip: cgroupRoot === null ? "no writable cgroup2 mount (needs root and cgroup v2)" : false,
        },
        async () => {
          const cgroup = createServiceCgroup(cgroupRoot!, cgroupGroup, `svc-${spawner}`);
          const config = serviceConfig(`    command: [sh, -c, 'sleep ${marker} & exec sleep ${marker}']\n`);
          const home = readProcCgroup("self");
          const spawned = await spawnService(config, fileOutput(), cgroup, { spawner });
          assert.equal(readProcCgroup("self"), home, "the daemon stays in its own cgroup");
          assert.equal(readProcCgroup(spawned.pid), cgroupRecordPath(cgroup));
          const pids = await waitFor(() => (cgroupPids(cgroup).length === 2 ? cgroupPids(cgroup) : null), {
            what: "the child and its fork in the cgroup",
          });
          assert.ok(pids.includes(spawned.pid));
          for (const pid of pids) process.kill(pid, "SIGKILL");
          assert.deepEqual(await spawned.exited, { code: null, signal: "SIGKILL" });
        },
      );
    },
  );
}
