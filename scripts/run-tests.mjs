#!/usr/bin/env node
// Runs the compiled test files with Node's test runner: unit tests (beside the code) in
// parallel, then integration and regression tests one file at a time, since they drive real
// daemons and processes. Warnings and unhandled rejections fail the run.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function findTests(dir) {
  let out = [];
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out; // folder not built: no tests there
  }
  for (const name of entries) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(findTests(path));
    else if (name.endsWith(".test.js")) out.push(path);
  }
  return out.sort();
}

const only = process.argv.slice(2);
const unit = findTests("dist/src");
const serial = [...findTests("dist/test/integration"), ...findTests("dist/test/regressions")];
const filter = (files) => (only.length ? files.filter((f) => only.some((o) => f.includes(o))) : files);
const nodeArgs = ["--test", "--test-reporter=spec", "--unhandled-rejections=strict", "--throw-deprecation"];

let failed = false;
for (const [files, concurrency] of [
  [filter(unit), 2],
  [filter(serial), 1],
]) {
  if (files.length === 0) continue;
  const result = spawnSync(process.execPath, [...nodeArgs, `--test-concurrency=${concurrency}`, ...files], {
    stdio: "inherit",
    env: { ...process.env, NODE_OPTIONS: "" },
  });
  if (result.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
