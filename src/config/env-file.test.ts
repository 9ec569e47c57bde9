import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEnvFile, readEnvFile } from "./env-file.js";
import { loadConfig } from "./load.js";

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "upkeep-envfile-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("env files read KEY=VALUE, comments, export, and both kinds of quotes", () => {
  const text = [
    "# a comment",
    "",
    "PLAIN=hello world ",
    "export EXPORTED=1",
    "SINGLE='literal $HOME \\n'",
    'DOUBLE="line1\\nline2 \\"q\\"" # trailing comment',
    "EMPTY=",
    "HASH=a#b # kept",
    "  INDENTED = x",
    "CRLF=yes\r",
    "PLAIN=again",
  ].join("\n");
  const { env, problems } = parseEnvFile(text);
  assert.deepEqual(problems, []);
  assert.deepEqual(env, {
    PLAIN: "again",
    EXPORTED: "1",
    SINGLE: "literal $HOME \\n",
    DOUBLE: 'line1\nline2 "q"',
    EMPTY: "",
    HASH: "a#b # kept",
    INDENTED: "x",
    CRLF: "yes",
  });
});

test("a bad env line is reported with its line and column, and good lines still read", () => {
  const { env, problems } = parseEnvFile("GOOD=1\nno equals here\n9BAD=1\nQ=\"open\nX='a' junk\n");
  assert.deepEqual(env, { GOOD: "1" });
  assert.deepEqual(
    problems.map((p) => [p.line, p.column]),
    [
      [2, 1],
      [3, 1],
      [4, 3],
      [5, 7],
    ],
  );
  assert.match(problems[0]!.message, /expected KEY=VALUE/);
  assert.match(problems[1]!.message, /'9BAD' is not a valid variable name/);
  assert.match(problems[2]!.message, /unterminated " quote/);
  assert.match(problems[3]!.message, /after the closing quote/);
});

test("a bad env_file line is a config problem naming the env file and its line", (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, "web.env"), "OK=1\n\nnot a pair\n");
  const file = join(dir, "upkeep.yaml");
  writeFileSync(file, "services:\n  web:\n    command: [node]\n    env_file: web.env\n");
  const result = loadConfig(file);
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.equal(result.problems.length, 1);
  const p = result.problems[0]!;
  assert.deepEqual(
    [p.file, p.line, p.column, p.keyPath],
    [join(dir, "web.env"), 3, 1, "services.web.env_file"],
  );
});

test("a missing env_file is a problem at the env_file key", (t) => {
  const dir = tempDir(t);
  const file = join(dir, "upkeep.yaml");
  writeFileSync(file, "services:\n  web:\n    command: [node]\n    env_file: ./gone.env\n");
  const result = loadConfig(file);
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.deepEqual(
    result.problems.map((p) => [p.file, p.line, p.column, p.code]),
    [[file, 4, 15, "CONFIG_BAD_VALUE"]],
  );
  assert.match(result.problems[0]!.message, /ENOENT/);
  assert.deepEqual(readEnvFile(join(dir, "gone.env")), { refused: "it does not exist (ENOENT)" });
});
