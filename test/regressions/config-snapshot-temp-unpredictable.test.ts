import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { chownSync, closeSync, lstatSync, openSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";
import { HostileUser, NEEDS_ROOT, runDaemonToExit } from "../helpers/hostile-user.js";
import { waitFor } from "../helpers/wait-for.js";

// `config.json`, which holds the services' environment (secrets), was written through the
// temp name `config.json.tmp-<daemon PID>`, opened without O_EXCL: a world-readable file
// another user had put at that name received the secrets and was renamed into place, still
// theirs and still 0666. What must never happen again: an atomic write in the state dir uses
// a file it did not just create itself (O_EXCL|O_NOFOLLOW, random name), so the snapshot is
// always root's own 0600 file.
describe("the config snapshot never lands in a file someone else prepared", { skip: NEEDS_ROOT }, () => {
  let hostile: HostileUser;
  const env = new TestEnv();
  const secret = `s3cret-${randomBytes(8).toString("hex")}`;
  const hostileDir = join("/tmp", `upkeep-hostile-dir-${randomBytes(6).toString("hex")}`);
  const config = (extra: string): string =>
    `services:\n  t:\n    command: ["{fixtures}/ticker", "{marker}", "0.2"]\n    env:\n      TOKEN: ${secret}\n${extra}`;
  before(() => {
    hostile = HostileUser.create();
    env.writeConfig(config(""));
  });
  after(async () => {
    try {
      rmSync(hostileDir, { recursive: true, force: true });
      await env.teardown();
    } finally {
      hostile.remove(); // also when the teardown found processes left behind
    }
  });

  test("in a dir prepared by another user: refused, no secret written there", async () => {
    hostile.sh(`mkdir -m 0777 ${hostileDir} && chmod 0777 ${hostileDir}`);
    const run = await runDaemonToExit(env.configFile, hostileDir, env.marker);
    assert.equal(run.code, 1, run.output);
    const leaked = hostile.sh(`cat ${hostileDir}/config.json* 2>/dev/null || true`);
    assert.doesNotMatch(leaked, new RegExp(secret), "the secret is readable by the other user");
  });

  test("a file planted at the old temp name is not used: config.json stays root's, 0600", async () => {
    await env.startDaemon();
    const planted = join(env.stateDir, `config.json.tmp-${env.daemon!.pid}`);
    closeSync(openSync(planted, "wx", 0o666));
    chownSync(planted, hostile.uid, hostile.gid); // as if that user had made it
    const plantedIno = lstatSync(planted).ino;
    env.writeConfig(config(`  u:\n    command: ["{fixtures}/ticker", "{marker}", "0.2"]\n`));
    env.daemon!.kill("SIGHUP");
    const snapshot = join(env.stateDir, "config.json");
    await waitFor(() => readFileSync(snapshot, "utf8").includes('"name":"u"'), {
      what: "the reload to write the new snapshot",
    });
    const stat = lstatSync(snapshot);
    assert.notEqual(stat.ino, plantedIno, "the planted file became the snapshot");
    assert.equal(stat.uid, 0);
    assert.equal(stat.mode & 0o777, 0o600);
    assert.equal(readFileSync(planted, "utf8"), "", "the planted file received the config");
  });
});
