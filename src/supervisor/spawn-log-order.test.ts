// The log's first word on a run is upkeep's "started PID N", even when the process writes
// before the spawn has settled (the native spawn settles only once exec is reported).
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { loadConfig } from "../config/load.js";
import { nativeSpawnError } from "../core/native.js";
import { createMarker, killMarked } from "../identity/test-fixtures.js";
import { ServiceLog } from "../logs/service-log.js";
import { makeTempDir } from "../logs/service-fixtures.js";
import { readLogTail } from "../logs/tail.js";
import { spawnService } from "../service/spawn.js";

const { dir, cleanup } = makeTempDir("order");
const marker = createMarker();
after(async () => {
  await killMarked(marker);
  cleanup();
});

for (const spawner of ["native", "node"] as const) {
  test(
    `${spawner} spawn: the announce marker comes before the first output, however fast it writes`,
    {
      skip:
        spawner === "native" && nativeSpawnError !== null
          ? `the addon is not loaded: ${nativeSpawnError}`
          : false,
    },
    async () => {
      const file = join(dir, `${spawner}.yaml`);
      writeFileSync(file, `services:\n  fast:\n    command: [sh, -c, 'echo "$0"', ${marker}]\n`);
      const loaded = loadConfig(file);
      if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
      const logsDir = join(dir, spawner);
      const log = ServiceLog.open({ logsDir, service: "fast", maxSizeBytes: 1 << 20, keep: 1 });
      try {
        for (let run = 0; run < 20; run += 1) {
          const spawned = await spawnService(loaded.config.services[0]!, log, null, {
            spawner,
            announce: (pid) => `started PID ${pid}`,
          });
          await spawned.exited;
          log.drainNow();
          log.marker("exited");
        }
      } finally {
        log.close();
      }
      const shown = readLogTail(logsDir, "fast", { lines: Infinity, timestamps: true }).toString();
      const runs = shown.trimEnd().split(/\n(?=\S+ upkeep \| started)/);
      assert.equal(runs.length, 20, shown);
      const expected = new RegExp(
        `^\\S+ upkeep \\| started PID \\d+\n\\S+ out \\| ${marker}\n\\S+ upkeep \\| exited$`,
      );
      for (const run of runs) assert.match(run, expected, shown);
    },
  );
}

test(
  "native spawn of a missing program: the announced PID is named again in the failure",
  { skip: nativeSpawnError !== null ? `the addon is not loaded: ${nativeSpawnError}` : false },
  async () => {
    const file = join(dir, "missing.yaml");
    writeFileSync(file, `services:\n  gone:\n    command: [${dir}/no-such-program]\n`);
    const loaded = loadConfig(file);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    const log = ServiceLog.open({
      logsDir: join(dir, "missing"),
      service: "gone",
      maxSizeBytes: 1 << 20,
      keep: 1,
    });
    let announced = 0;
    try {
      await assert.rejects(
        spawnService(loaded.config.services[0]!, log, null, {
          spawner: "native",
          announce: (pid) => `started PID ${(announced = pid)}`,
        }),
        (err: Error) => {
          assert.match(err.message, /ENOENT/);
          assert.ok(err.message.endsWith(`(PID ${announced} ended before its program ran)`), err.message);
          return true;
        },
      );
    } finally {
      log.close();
    }
    assert.ok(announced > 0);
  },
);
