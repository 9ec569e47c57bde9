import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";
import { runDaemonToExit } from "../helpers/hostile-user.js";

// Start-up makes each service's live index file (logs/NAME.idx) with an open in the threadpool.
// A directory, a FIFO or a socket found at that path made the daemon fail with Node's bare
// error (`[Error: EISDIR: illegal operation on a directory ...] { errno: -21 ... }`): no code,
// no word of what was found, no fix. What must never happen again: something that is not a
// regular file at an index path stops the start-up with STATE_DIR_UNUSABLE naming the path,
// what was found there, and the command that fixes it.
describe("an index path that is not a regular file is said clearly at start-up", () => {
  const env = new TestEnv();
  env.writeConfig("services:\n  t:\n    command: [{fixtures}/ticker, {marker}]\n");
  const servers: Server[] = [];
  after(async () => {
    for (const server of servers) server.close();
    await env.teardown();
  });

  const plant: Record<string, (path: string) => Promise<void> | void> = {
    directory: (path) => mkdirSync(path),
    "FIFO (named pipe)": (path) => void execFileSync("mkfifo", [path]),
    // Listening while the daemon starts (a closed server's socket file is removed).
    socket: (path) =>
      new Promise<void>((resolve) => {
        servers.push(createServer().listen(path, resolve));
      }),
  };
  for (const [kind, make] of Object.entries(plant)) {
    test(`a ${kind} at logs/t.idx`, async () => {
      const stateDir = join(env.dir, `state-${kind.split(" ")[0]}`);
      mkdirSync(join(stateDir, "logs"), { recursive: true, mode: 0o700 });
      const idx = join(stateDir, "logs", "t.idx");
      await make(idx);
      const run = await runDaemonToExit(env.configFile, stateDir, env.marker);
      assert.equal(run.code, 1, run.output);
      assert.ok(run.output.includes(`${idx} is not a regular file (found a ${kind})`), run.output);
      assert.ok(run.output.includes(`rm ${idx}`), run.output);
      assert.doesNotMatch(run.output, /errno:|\[Error:/);
    });
  }
});
