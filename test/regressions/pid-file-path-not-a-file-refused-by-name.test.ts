import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { lstatSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

// A directory or FIFO found at `pids/NAME.pid` (an operator's `mkdir`, something planted) was
// swapped into the spare's place by the first PID file write (renameat2 RENAME_EXCHANGE), without
// a word; from then on every write of that service's PID file failed with Node's bare
// `EISDIR`/`ENXIO` on `.NAME.pid.spare`, a path nobody had touched, and no PID file was written
// again. What must never happen again: something that is not a regular file at a PID file's
// path is moved aside; the service gets an event naming that path, what was found, and the fix.
describe("a PID file path holding something else is refused by its own name", () => {
  const env = new TestEnv();
  env.writeConfig("services:\n  t:\n    command: [{fixtures}/ticker, {marker}, '5']\n");
  after(() => env.teardown());

  test("a directory and then a FIFO at pids/t.pid", async () => {
    const pids = join(env.stateDir, "pids");
    const pidFile = join(pids, "t.pid");
    mkdirSync(pidFile, { recursive: true });
    await env.startDaemon();
    const expect = async (found: string, after: number): Promise<void> => {
      const pattern = `${pidFile} is not a regular file (found ${found})`;
      await waitFor(
        async () =>
          (await env.events("t")).find(
            (e: { id: number; reason: string }) => e.id > after && e.reason.includes(pattern),
          ),
        { what: `an event: ${pattern}`, timeout: 5_000 },
      );
      assert.ok(!lstatSync(join(pids, ".t.pid.spare"), { throwIfNoEntry: false })?.isDirectory());
    };
    await expect("a directory", 0);
    assert.ok(lstatSync(pidFile).isDirectory(), "the directory stays where it was put");
    // The restart writes the PID file again: the same refusal, not EISDIR on the spare.
    const last = Math.max(...(await env.events("t")).map((e: { id: number }) => e.id));
    assert.equal(env.cli("restart", "t").code, 0);
    await expect("a directory", last);
    const events = await env.events("t");
    assert.ok(!events.some((e: { reason: string }) => /EISDIR|ENXIO/.test(e.reason)), JSON.stringify(events));

    execFileSync("rmdir", [pidFile]);
    execFileSync("mkfifo", [pidFile]);
    const beforeFifo = Math.max(...(await env.events("t")).map((e: { id: number }) => e.id));
    assert.equal(env.cli("restart", "t").code, 0);
    await expect("a FIFO (named pipe)", beforeFifo);
    assert.equal((await env.api("GET", "/api/v1/status")).status, 200, "the daemon keeps running");
  });
});
