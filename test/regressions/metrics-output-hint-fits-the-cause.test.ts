import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { REPO_ROOT } from "../helpers/daemon.js";
import { Filler, mountTinyFs, unmountTinyFs } from "../helpers/tiny-fs.js";

// Never again: `upkeep metrics --output FILE` answered every failure with "make DIR exist and
// writable", even when FILE was a directory or the disk was full, and a missing directory came
// out as a raw Node message naming a temp file. Each cause now gets its own fix, and no temp
// file is left behind.
const dir = mkdtempSync(join(tmpdir(), "upkeep-metrics-out-"));
const fullDir = join(dir, "full");
mkdirSync(fullDir);
const noMount = mountTinyFs(fullDir, "16k");

function metricsTo(file: string): { code: number | null; stderr: string } {
  const r = spawnSync(join(REPO_ROOT, "bin", "upkeep"), ["metrics", "--output", file], {
    encoding: "utf8",
    env: { ...process.env, UPKEEP_STATE_DIR: join(dir, "state") },
  });
  return { code: r.status, stderr: r.stderr };
}

describe("upkeep metrics --output that cannot be written", () => {
  after(() => {
    if (noMount === null) unmountTinyFs(fullDir);
    rmSync(dir, { recursive: true, force: true });
  });

  test("a missing directory: the error says so and the hint is mkdir -p", () => {
    const r = metricsTo(join(dir, "nodir", "upkeep.prom"));
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /nodir.* does not exist \(ENOENT\)/);
    assert.doesNotMatch(r.stderr, /\.tmp-/, "the temp file's name is no business of the operator");
    assert.match(r.stderr, new RegExp(`hint: .*mkdir -p ${dir}/nodir`));
  });

  test("a directory in the way: the hint names it, not the parent's permissions", () => {
    mkdirSync(join(dir, "d.prom"));
    const r = metricsTo(join(dir, "d.prom"));
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /directory is in the way \(EISDIR\)/);
    assert.match(r.stderr, new RegExp(`hint: .*rmdir ${dir}/d\\.prom`));
    assert.deepEqual(
      readdirSync(dir).filter((n) => n.includes(".tmp-")),
      [],
    );
  });

  test("a full disk: the hint is to free space, and no temp file is left", { skip: noMount ?? false }, () => {
    const filler = new Filler(fullDir);
    const r = metricsTo(join(fullDir, "upkeep.prom"));
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /no space left on the device \(ENOSPC\)/);
    assert.match(r.stderr, new RegExp(`hint: .*df -h ${fullDir}`));
    assert.deepEqual(readdirSync(fullDir), ["filler"]);
    filler.free(1);
  });
});
