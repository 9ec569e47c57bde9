import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { resolveStateDir } from "./state-dir.js";

function configIn(t: TestContext, yaml: string | null): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), "upkeep-statedir-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "upkeep.yaml");
  if (yaml !== null) writeFileSync(file, yaml);
  return { dir, file };
}

test("the flag wins over the environment, which wins over state_dir", (t) => {
  const { file } = configIn(t, "state_dir: ./from-file\n");
  const env = { UPKEEP_STATE_DIR: "/tmp/from-env" };
  assert.equal(resolveStateDir(file, { flag: "/tmp/from-flag", env }), "/tmp/from-flag");
  assert.equal(resolveStateDir(file, { flag: "rel", env }), resolve("rel"));
  assert.equal(resolveStateDir(file, { env }), "/tmp/from-env");
  assert.equal(
    resolveStateDir(file, { flag: "", env: { UPKEEP_STATE_DIR: "" } }),
    join(file, "..", "from-file"),
  );
});

test("state_dir is read relative to the config's folder, in plain and quoted forms", (t) => {
  for (const [line, expected] of [
    ["state_dir: ./st # comment", "st"],
    ["state_dir: 'quoted dir'", "quoted dir"],
    ['state_dir: "dq"', "dq"],
    ["state_dir:    /abs/state", "/abs/state"],
    ['state_dir: "esc\\u0061ped"', "escaped"],
  ] as const) {
    const { dir, file } = configIn(t, `# c\nservices: {}\n${line}\n`);
    const want = expected.startsWith("/") ? expected : join(dir, expected);
    assert.equal(resolveStateDir(file, { env: {} }), want, line);
  }
});

test("the default is .upkeep beside the config: absent, empty, broken or missing config", (t) => {
  for (const yaml of [
    null,
    "services: {}\n",
    "state_dir:\n",
    "services:\n\t- broken: [\n",
    "  state_dir: nested\n",
  ]) {
    const { dir, file } = configIn(t, yaml);
    assert.equal(resolveStateDir(file, { env: {} }), join(dir, ".upkeep"), String(yaml));
  }
});

test("a config with other errors still yields its state_dir", (t) => {
  const { dir, file } = configIn(t, "state_dir: keep\nservices:\n  web:\n    comand: x\n    restart: [\n");
  assert.equal(resolveStateDir(file, { env: {} }), join(dir, "keep"));
});

test("the yaml package is loaded only when state_dir is not a plain scalar", (t) => {
  const moduleUrl = new URL("./state-dir.js", import.meta.url).href;
  const probe = (yaml: string): string => {
    const { file } = configIn(t, yaml);
    const script = `
      import { createRequire } from "node:module";
      const { resolveStateDir } = await import(${JSON.stringify(moduleUrl)});
      const dir = resolveStateDir(${JSON.stringify(file)}, { env: {} });
      const loaded = Object.keys(createRequire(import.meta.url).cache).some((p) => p.includes("/node_modules/yaml/"));
      console.log(JSON.stringify({ dir, loaded }));`;
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: fileURLToPath(new URL(".", import.meta.url)),
      encoding: "utf8",
    });
    assert.equal(child.status, 0, child.stderr);
    return child.stdout.trim();
  };
  assert.match(probe("state_dir: ./plain\n"), /"loaded":false/);
  assert.match(probe("services: {}\n"), /"loaded":false/);
  assert.match(probe('state_dir: "needs\\tparser"\n'), /"loaded":true/);
});
