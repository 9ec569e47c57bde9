import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { REPO_ROOT } from "../helpers/daemon.js";

// On a fresh machine `npm test` failed after the README's set-up command alone: nginx and
// redis-server (real daemons some tests drive) were installed only by .ci/run, and the redis
// tests skipped instead of failing. What must never happen again: the README's test command
// depends on something installed by hand, or a missing daemon hides a test as a skip.
test("the README's test command installs the daemons the tests drive before running them", () => {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as {
    scripts: Record<string, string>;
  };
  assert.match(pkg.scripts["test"] ?? "", /^bash scripts\/install-test-deps\.sh && /);
  const script = readFileSync(join(REPO_ROOT, "scripts/install-test-deps.sh"), "utf8");
  for (const need of ["nginx-light", "redis-server", "chromium"])
    assert.ok(script.includes(need), `installs ${need}`);
  // Run as the tests run (root in CI): it must succeed, and leave the programs in place.
  const run = spawnSync("bash", [join(REPO_ROOT, "scripts/install-test-deps.sh")], { encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  assert.ok(existsSync("/usr/sbin/nginx"), "nginx is installed");
  assert.ok(existsSync("/usr/bin/redis-server"), "redis-server is installed");
});
