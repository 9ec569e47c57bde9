import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";

// An unknown `user`/`group`, a missing `cwd` and a command not found or not executable were
// found only at run time, after five tries. What must never happen again: `config check` is
// silent about them. Each is a note at its key (not an error: the host may differ at run time).
const env = new TestEnv();
after(() => env.teardown());

test("config check notes an unknown user and group, a missing cwd, and a command it cannot run", () => {
  writeFileSync(join(env.dir, "noexec.sh"), "echo hi\n", { mode: 0o644 });
  env.writeConfig(`
services:
  u:
    command: [sleep, "5"]
    user: no-such-user-upkeep
  g:
    command: [sleep, "5"]
    group: no-such-group-upkeep
  c:
    command: [sleep, "5"]
    cwd: ./missing
  m:
    command: [no-such-command-upkeep]
  x:
    command: [./noexec.sh]
  fine:
    command: [sleep, "5"]
    user: "65534"
`);
  const r = env.cli("config", "check");
  assert.equal(r.code, 0, `notes, not problems:\n${r.stdout}${r.stderr}`);
  const notes = r.stdout.split("\n").filter((line) => line.includes(": note: "));
  const at = (key: string): string => notes.find((line) => line.includes(` ${key}: note: `)) ?? "";
  assert.match(at("services.u.user"), /:6:11: .*user "no-such-user-upkeep" does not exist/);
  assert.match(at("services.g.group"), /:9:12: .*group "no-such-group-upkeep" does not exist/);
  assert.match(at("services.c.cwd"), /missing does not exist yet; the service cannot start until it does/);
  assert.match(at("services.m.command"), /no-such-command-upkeep is not found in PATH/);
  assert.match(at("services.x.command"), /noexec\.sh is not executable/);
  assert.equal(notes.length, 5, notes.join("\n"));
});
