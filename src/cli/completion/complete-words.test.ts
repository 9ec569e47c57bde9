import assert from "node:assert/strict";
import { test } from "node:test";
import { COMMANDS } from "../command-table.js";
import { completeWords, type Completion } from "./complete-words.js";

function offered(...typed: string[]): string[] | Completion {
  const c = completeWords(typed, COMMANDS);
  return c.kind === "words" ? c.candidates.map((x) => x.word) : c;
}

test("commands, groups and help come from the table; the hidden call-back is never offered", () => {
  const words = offered("") as string[];
  for (const w of ["status", "start", "config", "completion", "help"]) assert.ok(words.includes(w), w);
  assert.ok(!words.some((w) => w.startsWith("__")));
  assert.deepEqual(offered("re"), ["restart", "reload", "reset", "reload-config"]);
  assert.deepEqual(offered("config", ""), ["check"]);
  assert.ok((offered("help", "sta") as string[]).includes("status"));
  assert.deepEqual(offered("help", "config", ""), ["check"]);
  assert.deepEqual(offered("help", "status", ""), []);
  assert.deepEqual(offered("completion", ""), ["bash", "zsh", "fish"]);
});

test("flags, flag values, files and directories", () => {
  assert.deepEqual(offered("--"), ["--config", "--state-dir", "--help", "--version"]);
  assert.deepEqual(offered("--config", ""), { kind: "files" });
  assert.deepEqual(offered("--state-dir", "/s"), { kind: "directories" });
  assert.deepEqual(offered("logs", "web", "--stream", ""), ["out", "err"]);
  // bash splits `--stream=e` into `--stream`, `=`, `e`: the value is completed alone.
  assert.deepEqual(offered("logs", "web", "--stream", "=", "e"), ["err"]);
  assert.deepEqual(offered("logs", "web", "-n", ""), [], "a number: nothing to offer");
  assert.deepEqual(offered("status", "--c"), ["--check"]);
});

test("service names where a NAME goes, with the typed --config, and not past the last NAME", () => {
  assert.deepEqual(offered("--config", "/srv/a.yaml", "--state-dir", "/s", "start", "db", "w"), {
    kind: "names",
    globals: { config: "/srv/a.yaml", stateDir: "/s" },
    exclude: ["db"],
    prefix: "w",
  });
  assert.deepEqual(offered("ps", "web", ""), [], "ps takes one NAME");
  assert.deepEqual(offered("start", "--all", ""), [], "--all instead of names");
  assert.deepEqual(offered("check", ""), [], "check takes no NAME");
  assert.deepEqual(offered("nosuch", ""), []);
});
