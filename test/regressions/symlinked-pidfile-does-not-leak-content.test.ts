import assert from "node:assert/strict";
import { chownSync, lchownSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

// A service's user made its pidfile a symbolic link to a file only root may read; the root
// daemon followed it and quoted the file's first line in the failure reason, for anyone who
// can run `upkeep status`. What must never happen again: upkeep follows a link planted by
// another user for a pidfile, or quotes more than a short prefix of a file that passed checks.
const env = new TestEnv();
after(() => env.teardown());

const SECRET = "root:$6$very-secret-hash-that-must-not-leak:19000:0:99999:7:::";

test(
  "a pidfile symlinked by the service's user to a root-only file is refused, quoting nothing of it",
  { skip: process.getuid?.() !== 0 ? "needs root to make a link owned by another user" : false },
  async () => {
    const runDir = join(env.dir, "run");
    mkdirSync(runDir);
    chownSync(runDir, 65534, 65534); // the service's user owns its run dir
    const secret = join(env.dir, "shadow");
    writeFileSync(secret, `${SECRET}\n`, { mode: 0o600 });
    const pidfile = join(runDir, "svc.pid");
    symlinkSync(secret, pidfile);
    lchownSync(pidfile, 65534, 65534); // planted by that user
    env.writeConfig(`
services:
  svc:
    type: forking
    command: [sh, -c, "exit 0", "{marker}"]
    pidfile: ${pidfile}
    start_timeout: 1s
    restart: "no"
`);
    await env.startDaemon();
    const event = await waitFor(
      async () => (await env.events("svc")).find((e) => /services\.svc\.pidfile/.test(String(e.reason))),
      { what: "the start to fail naming services.svc.pidfile", timeout: 15_000 },
    );
    assert.match(String(event.reason), /is a symbolic link owned by uid 65534, which upkeep does not follow/);
    const everything = JSON.stringify(await env.events("svc")) + JSON.stringify(await env.status("svc"));
    assert.doesNotMatch(everything, /very-secret|root:\$6/);
    assert.doesNotMatch(env.cli("status", "svc").stdout, /very-secret|root:\$6/);
  },
);
