import { test } from "node:test";
import assert from "node:assert/strict";
import { closestKey, editDistance } from "./suggest.js";

test("edit distance counts insertions, deletions, substitutions and swaps", () => {
  assert.equal(editDistance("comand", "command"), 1);
  assert.equal(editDistance("comamnd", "command"), 1);
  assert.equal(editDistance("kitten", "sitting"), 3);
  assert.equal(editDistance("", "abc"), 3);
});

test("the closest key is suggested only when it is a likely typo", () => {
  const keys = ["command", "restart", "start_limit", "env", "env_file"];
  assert.equal(closestKey("comand", keys), "command");
  assert.equal(closestKey("Command", keys), "command");
  assert.equal(closestKey("start-limit", keys), "start_limit");
  assert.equal(closestKey("env_files", keys), "env_file");
  assert.equal(closestKey("zebra", keys), undefined);
});
