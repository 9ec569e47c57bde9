import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, lstatSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { CLI, TestEnv } from "../helpers/daemon.js";
import { HostileUser, NEEDS_ROOT } from "../helpers/hostile-user.js";

// `socket_group` was accepted by the config and never applied: the socket stayed 0600
// root:root, and a refused user was told to set socket_group, which was already set. What
// must never happen again: with socket_group the socket is that group's, mode 0660, the state
// dir lets the group through (0710), a member can use the CLI, and someone outside the group
// is told what the socket's owner, group and mode are and how to get in.
describe("socket_group is applied to the control socket", { skip: NEEDS_ROOT }, () => {
  const group = `upkeep-sock-${randomBytes(4).toString("hex")}`;
  let member: HostileUser;
  let outsider: HostileUser;
  let gid: number;
  const env = new TestEnv();
  before(() => {
    execFileSync("groupadd", ["-r", group], { stdio: "pipe" });
    gid = Number(execFileSync("getent", ["group", group], { encoding: "utf8" }).split(":")[2]);
    member = HostileUser.create({ prefix: "upkeep-member", groups: [group] });
    outsider = HostileUser.create();
    // The test's own dir is 0700; the group must be able to reach the state dir inside it.
    chmodSync(env.dir, 0o711);
    env.writeConfig(
      `socket_group: ${group}\nservices:\n  t:\n    command: ["{fixtures}/ticker", "{marker}", "0.2"]\n`,
    );
  });
  after(async () => {
    try {
      await env.teardown();
    } finally {
      // also when the teardown found processes left behind
      member.remove();
      outsider.remove();
      execFileSync("groupdel", [group], { stdio: "pipe" });
    }
  });

  test("the socket is the group's, 0660, and the state dir lets the group through (0710)", async () => {
    await env.startDaemon();
    const socket = lstatSync(join(env.stateDir, "upkeep.sock"));
    assert.ok(socket.isSocket());
    assert.equal(socket.uid, 0);
    assert.equal(socket.gid, gid, "the socket's group");
    assert.equal(socket.mode & 0o777, 0o660, "the socket's mode");
    const dir = lstatSync(env.stateDir);
    assert.equal(dir.gid, gid, "the state dir's group");
    assert.equal(dir.mode & 0o777, 0o710, "the state dir's mode");
  });

  test("a member of the group can use the CLI", () => {
    const r = member.try(process.execPath, CLI, "--state-dir", env.stateDir, "status");
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /\bt\b.*running/);
  });

  test("someone outside the group is told the socket's owner, group and mode, and how to get in", () => {
    const r = outsider.try(process.execPath, CLI, "--state-dir", env.stateDir, "status");
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`group ${group}`));
    assert.match(r.stderr, new RegExp(`usermod -aG ${group} ${outsider.name}`));
    assert.doesNotMatch(r.stderr, /set socket_group/, "socket_group is already set");
  });
});
