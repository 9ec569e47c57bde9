import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "./load.js";
import { configBaseDir, resolveConfigPath } from "./resolve-paths.js";

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "upkeep-paths-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("config paths resolve against the config file's folder, absolute paths stay", () => {
  assert.equal(configBaseDir("/etc/upkeep/upkeep.yaml"), "/etc/upkeep");
  assert.deepEqual(resolveConfigPath("/etc/upkeep", "./app"), { ok: true, path: "/etc/upkeep/app" });
  assert.deepEqual(resolveConfigPath("/etc/upkeep", "../srv/x"), { ok: true, path: "/etc/srv/x" });
  assert.deepEqual(resolveConfigPath("/etc/upkeep", "/opt/app/"), { ok: true, path: "/opt/app" });
  const tilde = resolveConfigPath("/etc/upkeep", "~/app");
  assert.equal(tilde.ok, false);
  if (!tilde.ok) assert.match(tilde.reason, /does not expand '~'/);
});

test("cwd, env_file and state_dir are resolved from the config's folder, not the process's", (t) => {
  const dir = tempDir(t);
  const sub = join(dir, "conf");
  mkdirSync(join(sub, "app"), { recursive: true });
  writeFileSync(join(sub, "a.env"), "A=1\n");
  writeFileSync(
    join(sub, "upkeep.yaml"),
    "state_dir: run\nservices:\n  web:\n    command: [x]\n    cwd: app\n    env_file: a.env\n",
  );
  // A relative config path: resolved against process.cwd(), then everything from its folder.
  const previous = process.cwd();
  process.chdir(dir);
  t.after(() => process.chdir(previous));
  const result = loadConfig("conf/upkeep.yaml");
  assert.ok(result.ok, JSON.stringify(result));
  assert.equal(result.config.file, join(sub, "upkeep.yaml"));
  assert.equal(result.config.stateDir, join(sub, "run"));
  assert.equal(result.config.services[0]!.cwd, join(sub, "app"));
  assert.equal(result.config.services[0]!.envFile, join(sub, "a.env"));
});

test("a cwd that does not exist yet is a note, not a problem", (t) => {
  const dir = tempDir(t);
  const file = join(dir, "upkeep.yaml");
  writeFileSync(file, "services:\n  web:\n    command: [x]\n    cwd: later\n");
  const result = loadConfig(file);
  assert.ok(result.ok);
  assert.equal(result.config.services[0]!.cwd, join(dir, "later"));
  assert.match(result.notes[0]!.message, /does not exist yet/);
});
