import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";

// A service that could not start (unknown user, missing cwd, command not found or not
// executable) failed with "spawn x ENOENT" or a message naming no key, so the operator had to
// guess what to change. What must never happen again: such a run-time reason does not name
// the config key (services.X.user, services.X.cwd, services.X.command).
const env = new TestEnv();
after(() => env.teardown());

test("start failures name the key to fix", async () => {
  writeFileSync(join(env.dir, "noexec.sh"), "echo hi\n", { mode: 0o644 });
  env.writeConfig(`
services:
  u:
    command: [sleep, "5", "{marker}"]
    user: no-such-user-upkeep
    start_limit: { burst: 1 }
  c:
    command: [sleep, "5", "{marker}"]
    cwd: ./missing
    start_limit: { burst: 1 }
  m:
    command: [no-such-command-upkeep, "{marker}"]
    start_limit: { burst: 1 }
  x:
    command: [./noexec.sh, "{marker}"]
    start_limit: { burst: 1 }
`);
  await env.startDaemon();
  const expected: Record<string, RegExp> = {
    u: /services\.u\.user: user "no-such-user-upkeep" does not exist/,
    c: /services\.c\.cwd: cannot change to the working directory .*missing: ENOENT/,
    m: /services\.m\.command: no-such-command-upkeep is not found in PATH/,
    x: /services\.x\.command: .*noexec\.sh is not executable \(EACCES\)/,
  };
  for (const [name, pattern] of Object.entries(expected)) {
    const failed = await env.waitForService(name, "failed", `${name} failed`);
    assert.match(String(failed.reason), pattern);
  }
});
