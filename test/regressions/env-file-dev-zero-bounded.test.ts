import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, test } from "node:test";
import { CLI, TestEnv } from "../helpers/daemon.js";

// `env_file: /dev/zero` made `upkeep config check` read without end (5.8 GB before it was
// killed). What must never happen again: an env_file that is a device, or endless, is read
// at all. config check returns quickly with a problem naming services.X.env_file.
const env = new TestEnv();
after(() => env.teardown());

test("config check refuses env_file: /dev/zero at once, naming the key", () => {
  env.writeConfig(`
services:
  web:
    command: [sleep, "5"]
    env_file: /dev/zero
`);
  const started = Date.now();
  const r = spawnSync(process.execPath, [CLI, "--config", env.configFile, "config", "check"], {
    encoding: "utf8",
    timeout: 20_000,
  });
  assert.equal(r.error, undefined, `config check did not return: ${String(r.error)}`);
  assert.ok(Date.now() - started < 10_000, "config check returned quickly");
  assert.notEqual(r.status, 0);
  const out = r.stdout + r.stderr;
  assert.match(out, /services\.web\.env_file/);
  assert.match(out, /cannot read env_file \/dev\/zero: it is a character device, not a regular file/);
});
