import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { CLI, TestEnv } from "../helpers/daemon.js";

// An env_file replaced by a FIFO made `upkeep reload-config` hang: the daemon read it with a
// blocking read and stopped answering. What must never happen again: a FIFO env_file blocks a
// reload or the daemon. The reload is refused with a problem naming services.X.env_file.
const env = new TestEnv();
after(() => env.teardown());

test("a reload whose env_file became a FIFO is refused at once, and the daemon keeps answering", async () => {
  const envFile = join(env.dir, "web.env");
  writeFileSync(envFile, "PORT=8080\n");
  env.writeConfig(`
services:
  web:
    command: ["{fixtures}/ticker", "{marker}", "5"]
    env_file: ${envFile}
`);
  await env.startDaemon();
  const before = await env.waitForService("web", "running", "web running");
  unlinkSync(envFile);
  execFileSync("mkfifo", [envFile]);
  const started = Date.now();
  const r = spawnSync(process.execPath, [CLI, "--config", env.configFile, "reload-config"], {
    encoding: "utf8",
    timeout: 20_000,
  });
  assert.equal(r.error, undefined, `reload-config did not return: ${String(r.error)}`);
  assert.ok(Date.now() - started < 15_000, "reload-config returned quickly");
  assert.notEqual(r.status, 0);
  assert.match(r.stdout + r.stderr, /services\.web\.env_file/);
  assert.match(r.stdout + r.stderr, /is a FIFO \(named pipe\), not a regular file/);
  const now = await env.status("web");
  assert.equal(now.state, "running");
  assert.equal(now.pid, before.pid, "the running service is kept");
});
