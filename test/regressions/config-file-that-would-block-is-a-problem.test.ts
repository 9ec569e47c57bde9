import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { REPO_ROOT } from "../helpers/daemon.js";

// Found while fuzzing config reading: an env_file (or the config file itself) that is a FIFO
// was read with readFileSync, which waits for a writer forever — in the daemon, on a reload,
// with its event loop stopped — and `env_file: /dev/zero` was read until memory ran out.
// What must never happen again: reading a config waits on, or reads without end, a file that
// is not a regular one; each is a problem naming the path and what it is.
const dir = mkdtempSync(join(tmpdir(), "upkeep-block-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Load a config in a child with a deadline, so that a read that blocks fails the test. */
function loadInChild(configFile: string): { problems: string[] } {
  const load = join(REPO_ROOT, "dist/src/config/load.js");
  const script = `import(${JSON.stringify(load)}).then(({ loadConfig }) => {
    const r = loadConfig(${JSON.stringify(configFile)});
    console.log(JSON.stringify({ problems: r.ok ? [] : r.problems.map((p) => p.message) }));
  });`;
  const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 10_000 });
  assert.equal(r.signal, null, `loading ${configFile} did not finish within 10 s (it blocked)`);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { problems: string[] };
}

test("an env_file that is a FIFO or /dev/zero is a problem, read without blocking", () => {
  const fifo = join(dir, "env.fifo");
  assert.equal(spawnSync("mkfifo", [fifo]).status, 0);
  const config = join(dir, "upkeep.yaml");
  writeFileSync(
    config,
    `services:
  a: { command: [x], env_file: ${fifo} }
  b: { command: [x], env_file: /dev/zero }
`,
  );
  const { problems } = loadInChild(config);
  assert.ok(
    problems.some((p) =>
      p.includes(`cannot read env_file ${fifo}: it is a FIFO (named pipe), not a regular file`),
    ),
    problems.join("\n"),
  );
  assert.ok(
    problems.some((p) =>
      p.includes("cannot read env_file /dev/zero: it is a character device, not a regular file"),
    ),
    problems.join("\n"),
  );
});

test("a config file that is a FIFO is a problem, read without blocking", () => {
  const fifo = join(dir, "config.fifo");
  assert.equal(spawnSync("mkfifo", [fifo]).status, 0);
  const { problems } = loadInChild(fifo);
  assert.deepEqual(problems, ["cannot read the config file: it is a FIFO (named pipe), not a regular file"]);
});
