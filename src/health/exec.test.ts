import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { waitFor } from "../../test/helpers/wait-for.js";
import { createMarker, findMarked, killMarked } from "../identity/test-fixtures.js";
import { runProbe } from "./probe.js";
import { expectResult } from "./probe-test-kit.js";

const marker = createMarker();
const dir = mkdtempSync(join(tmpdir(), "upkeep-exec-probe-"));
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await killMarked(marker);
});

const T = { timeoutMs: 2000 };

test("exec is ok for exit code 0 and names any other exit, with the start of stderr", async () => {
  expectResult(await runProbe({ kind: "exec", command: ["true"] }, T), true, "exec [true]: exit code 0");
  expectResult(await runProbe({ kind: "exec", command: ["false"] }, T), false, "exec [false]: exit code 1");
  const script = 'echo "database is down" >&2; exit 3';
  expectResult(
    await runProbe({ kind: "exec", command: ["sh", "-c", script] }, T),
    false,
    `exec [sh -c ${script}]: exit code 3: database is down`,
  );
  const noisy = await runProbe(
    { kind: "exec", command: ["sh", "-c", "head -c 100000 /dev/zero | tr '\\0' e >&2; exit 1"] },
    T,
  );
  expectResult(noisy, false, /: exit code 1: e{200}$/);
  expectResult(
    await runProbe({ kind: "exec", command: ["sh", "-c", "kill -SEGV $$"] }, T),
    false,
    /: killed by SIGSEGV$/,
  );
});

test("exec kills a command that outlives the timeout, its whole group, and waits for it", async () => {
  const result = await runProbe({ kind: "exec", command: ["sleep", marker] }, { timeoutMs: 200 });
  expectResult(result, false, `exec [sleep ${marker}]: killed after 200ms timeout`);
  assert.ok(result.ms >= 190 && result.ms < 1500, `took ${result.ms} ms`);
  assert.deepEqual(findMarked(marker), [], "the sleep is gone when the verdict is in");
  const tree = await runProbe(
    { kind: "exec", command: ["sh", "-c", `sleep ${marker} & sleep ${marker}; wait`] },
    { timeoutMs: 200 },
  );
  expectResult(tree, false, /killed after 200ms timeout/);
  await waitFor(() => findMarked(marker).length === 0, { what: "the group's sleeps gone", timeout: 2000 });
});

test("exec kills what a command left running in its group after it exited", async () => {
  const result = await runProbe(
    { kind: "exec", command: ["sh", "-c", `sleep ${marker} >/dev/null 2>&1 & exit 0`] },
    T,
  );
  expectResult(result, true, /exit code 0$/);
  await waitFor(() => findMarked(marker).length === 0, { what: "the left-behind sleep gone", timeout: 2000 });
});

test("exec runs in the given cwd with the given env, never through a shell", async () => {
  const env = { PATH: process.env["PATH"], PROBE_VALUE: "y" };
  const check = 'test "$(pwd)" = "$0" && test "$PROBE_VALUE" = y';
  expectResult(
    await runProbe({ kind: "exec", command: ["sh", "-c", check, dir] }, { ...T, cwd: dir, env }),
    true,
    /exit code 0$/,
  );
  // A shell would expand this; as argv it is a file name that does not exist.
  expectResult(
    await runProbe({ kind: "exec", command: ["true && false"] }, T),
    false,
    "exec [true && false]: cannot start true && false: no such file or directory (ENOENT)",
  );
  expectResult(
    await runProbe({ kind: "exec", command: ["true"] }, { ...T, cwd: join(dir, "missing") }),
    false,
    `exec [true]: cannot start true in ${join(dir, "missing")}: no such file or directory (ENOENT)`,
  );
  expectResult(await runProbe({ kind: "exec", command: [] }, T), false, "exec []: no command");
});
