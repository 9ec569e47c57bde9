import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";

const env = new TestEnv();
after(() => env.teardown());

test("as root, a service with user: runs with that user's uid, gid and HOME", async (t) => {
  if (process.getuid?.() !== 0) {
    t.skip("needs root: only root can drop privileges to another user");
    return;
  }
  env.writeConfig(`
services:
  dropped:
    command: ["{fixtures}/ticker", "{marker}", "0.5"]
    user: nobody
  unknown:
    command: ["{fixtures}/ticker", "{marker}", "0.5"]
    user: no-such-user-here
    start_limit: { burst: 1 }
`);
  await env.startDaemon();
  const s = await env.waitForService("dropped", "running", "dropped running");
  const status = readFileSync(`/proc/${s.pid}/status`, "utf8");
  const nobody = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith("nobody:"))!
    .split(":");
  assert.match(status, new RegExp(`^Uid:\\t${nobody[2]}\\t`, "m"));
  assert.match(status, new RegExp(`^Gid:\\t${nobody[3]}\\t`, "m"));
  assert.ok(readFileSync(`/proc/${s.pid}/environ`, "utf8").split("\0").includes(`HOME=${nobody[5]}`));
  const bad = await env.waitForService("unknown", "failed", "the service with an unknown user to fail");
  assert.match(bad.reason, /no-such-user-here/);
});

test("as root, a service's exec probe and condition run as the service's user, not as root", async (t) => {
  if (process.getuid?.() !== 0) {
    t.skip("needs root: only root can drop privileges to another user");
    return;
  }
  const nobodyUid = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith("nobody:"))!
    .split(":")[2];
  env.writeConfig(`
services:
  probed:
    command: ["{fixtures}/ticker", "{marker}", "0.5"]
    user: nobody
    condition: { exec: [sh, -c, 'test "$(id -u)" = ${nobodyUid}'], every: 200ms }
    ready: { exec: [sh, -c, 'test "$(id -u)" = ${nobodyUid}'], timeout: 5s }
`);
  env.cli("reload-config");
  const s = await env.waitForService("probed", "running", "probed running: its checks ran as nobody");
  assert.match(s.reason, /ready: exec/);
});
