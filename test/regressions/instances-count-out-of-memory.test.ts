import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { REPO_ROOT } from "../helpers/daemon.js";

// Found by src/config/load.property.test.ts: `instances: 1055620856` made an array of a
// billion instance names before anything else was checked, and loading the config (the CLI,
// the daemon at start or on a reload) died out of memory.
// What must never happen again: a count of instances, however large, is more than a problem.
function problemsOf(yaml: string): string[] {
  const load = join(REPO_ROOT, "dist/src/config/load.js");
  const script = `import(${JSON.stringify(load)}).then(({ loadConfigText }) => {
    const r = loadConfigText(${JSON.stringify(yaml)}, "/nonexistent/upkeep.yaml");
    console.log(JSON.stringify(r.ok ? [] : r.problems.map((p) => p.keyPath + ": " + p.message + " (" + p.expected + ")")));
  });`;
  // In a child with a small heap, so the old behaviour fails this test instead of the runner.
  const r = spawnSync(process.execPath, ["--max-old-space-size=256", "-e", script], {
    encoding: "utf8",
    timeout: 30_000,
  });
  assert.equal(r.status, 0, `loading the config failed: ${r.stderr.slice(0, 300)}`);
  return JSON.parse(r.stdout) as string[];
}

test("instances: a billion is out of range, reported with the limit", () => {
  const problems = problemsOf("services:\n  web:\n    command: [x]\n    instances: 1055620856\n");
  assert.deepEqual(problems, ["services.web.instances: out of range (an integer from 1 to 1000)"]);
});

test("a list of more than 1000 instances is a problem too", () => {
  const list = Array.from({ length: 1001 }, (_, i) => `h${i}`).join(", ");
  const problems = problemsOf(`services:\n  web:\n    command: [x]\n    instances: [${list}]\n`);
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, /^services\.web\.instances: .*at most 1000/);
});
