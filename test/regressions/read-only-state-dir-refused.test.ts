import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { closeSync, mkdirSync, openSync, readdirSync, writeSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { errnoOf } from "../../src/core/errors.js";
import { TestEnv } from "../helpers/daemon.js";
import { NEEDS_ROOT, runDaemonToExit } from "../helpers/hostile-user.js";

// A daemon started on a read-only state dir died with "internal error … this is a bug" and a
// stack trace. What must never happen again: a state dir that cannot be written (read-only,
// or full) is refused with STATE_DIR_UNUSABLE saying why and what to do, exit 1, and no temp
// file is left behind.
describe("a state dir that cannot be written is refused with the reason", { skip: NEEDS_ROOT }, () => {
  const env = new TestEnv();
  const mounts: string[] = [];
  env.writeConfig(`services:\n  t:\n    command: ["{fixtures}/ticker", "{marker}", "0.2"]\n`);
  after(async () => {
    for (const dir of mounts.reverse()) execFileSync("umount", [dir]);
    await env.teardown();
  });

  /** A tiny tmpfs of its own at `dir`. */
  function mountTmpfs(dir: string, options: string): void {
    mkdirSync(dir, { recursive: true });
    execFileSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir], { stdio: "pipe" });
    mounts.push(dir);
  }

  /** Names of temp files anywhere under `dir`. */
  function tempFiles(dir: string): string[] {
    return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((name) => name.includes(".tmp"));
  }

  test("a read-only state dir: STATE_DIR_UNUSABLE naming the read-only file system, exit 1", async () => {
    const stateDir = join(env.dir, "ro");
    mountTmpfs(stateDir, "size=1m,mode=0700");
    mkdirSync(join(stateDir, "logs"), { mode: 0o700 });
    execFileSync("mount", ["-o", "remount,ro", stateDir]);
    const run = await runDaemonToExit(env.configFile, stateDir, env.marker);
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, new RegExp(`state dir ${stateDir} .*read-only`));
    assert.match(run.output, /hint: /);
    assert.doesNotMatch(run.output, /internal error|a bug|    at /);
  });

  test("a full state dir: STATE_DIR_UNUSABLE naming the full disk, exit 1, no temp file left", async () => {
    const stateDir = join(env.dir, "full");
    mountTmpfs(stateDir, "size=64k,mode=0700");
    const fd = openSync(join(stateDir, "filler"), "w");
    try {
      for (;;) writeSync(fd, Buffer.alloc(4096, 120));
    } catch (err) {
      assert.equal(errnoOf(err), "ENOSPC");
    } finally {
      closeSync(fd);
    }
    const run = await runDaemonToExit(env.configFile, stateDir, env.marker);
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, new RegExp(`${stateDir}.*(no space left|full)`, "i"));
    assert.doesNotMatch(run.output, /internal error|a bug|    at /);
    assert.deepEqual(tempFiles(stateDir), [], "no temp file is left behind");
  });
});
