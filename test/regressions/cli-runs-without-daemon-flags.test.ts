import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { DAEMON_NODE_FLAGS } from "../../src/daemon/node-flags.js";
import { REPO_ROOT } from "../helpers/daemon.js";

// bin/upkeep passed the daemon's V8 flags (a 1 MiB young generation, no memory reducer) to every
// CLI call through its shebang: `status --json` took 1.51× `node -e 0` against 1.30× without
// them. What must never happen again: a short CLI call pays for the daemon's flags, or the
// daemon runs without them. A `node` of the test's own, first on PATH, prints the argv it got.
const dir = mkdtempSync(join(tmpdir(), "upkeep-launcher-"));
after(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, "node"), '#!/bin/sh\nprintf "%s\\n" "$@"\n');
chmodSync(join(dir, "node"), 0o755);

function argvOf(...args: string[]): string[] {
  const r = spawnSync(join(REPO_ROOT, "bin/upkeep"), args, {
    encoding: "utf8",
    env: { ...process.env, PATH: `${dir}:${process.env["PATH"] ?? ""}` },
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split("\n");
}

test("bin/upkeep gives the daemon's V8 flags to `daemon` only", () => {
  for (const args of [
    ["status", "--json"],
    ["--config", "daemon", "status"],
    ["logs", "daemon"],
    ["--version"],
  ]) {
    const argv = argvOf(...args);
    for (const flag of DAEMON_NODE_FLAGS)
      assert.ok(!argv.includes(flag), `${args.join(" ")}: ${flag} not passed`);
    assert.deepEqual(argv.slice(-args.length), args, "the arguments pass unchanged");
  }
  for (const args of [
    ["daemon"],
    ["--config", "x.yaml", "daemon", "--detach"],
    ["--state-dir", "/s", "daemon"],
  ]) {
    const argv = argvOf(...args);
    assert.deepEqual(argv.slice(0, DAEMON_NODE_FLAGS.length), [...DAEMON_NODE_FLAGS], args.join(" "));
    assert.deepEqual(argv.slice(-args.length), args);
  }
});
