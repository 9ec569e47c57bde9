import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { TestEnv, isFifoHolder } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

// Started by the addon's spawn, the FIFO holder got an empty environment, so nothing that finds
// the daemon's processes by a variable they carry (the tests' teardown by its marker) found it:
// it outlived each test for up to a minute and its cgroup dir stayed behind (hundreds of them
// under upkeep/ after a day of runs). It carries the daemon's environment, as it did before.
const env = new TestEnv();
after(() => env.teardown());

test("the FIFO holder carries the daemon's environment", async () => {
  env.writeConfig(`
services:
  app:
    command: [sleep, "1000"]
`);
  await env.startDaemon();
  await env.waitForService("app", "running", "app to run");
  const record = join(env.stateDir, "fifo-holder.pid");
  const pid = await waitFor(() => Number(readFileSync(record, "utf8").split(" ")[0]) || null, {
    what: "the holder's record",
  });
  assert.ok(isFifoHolder(pid), "the record names the holder");
  const environ = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
  assert.ok(environ.includes(`UPKEEP_TEST_MARKER=${env.marker}`), "the daemon's variables are the holder's");
});
