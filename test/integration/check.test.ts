import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, describe, test } from "node:test";
import { FIXTURES, isAlive, TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

describe("upkeep check: a duplicate, the daemon down, a stale record", () => {
  const env = new TestEnv();
  after(() => env.teardown());

  test("check warns of a copy started by hand, is CRITICAL with the daemon down and lists the stale record", async () => {
    env.writeConfig(`
services:
  web:
    command: ["{fixtures}/ticker", "{marker}", "0.5"]
  gone:
    command: ["{fixtures}/ticker", "{marker}", "0.7"]
`);
    await env.startDaemon();
    const web = await env.waitForService("web", "running", "web running");
    const gone = await env.waitForService("gone", "running", "gone running");
    const ok = env.cli("check");
    assert.equal(ok.code, 0, ok.stdout);
    assert.match(ok.stdout, /^UPKEEP OK - 2 services checked, 2 running/);

    // A second copy of web, started by hand outside upkeep.
    const copy = spawn(`${FIXTURES}/ticker`, [env.marker, "0.5"], { stdio: "ignore" });
    after(() => copy.kill("SIGKILL"));
    await waitFor(() => isAlive(copy.pid!), { what: "the hand-started copy" });
    const warning = env.cli("check");
    assert.equal(warning.code, 1, warning.stdout);
    assert.match(
      warning.stdout,
      new RegExp(
        `^UPKEEP WARNING - 1 problem: web: expected only upkeep's copy of web, found a second copy outside upkeep's records: PID ${copy.pid}`,
      ),
    );
    assert.match(warning.stdout, new RegExp(`; do: stop it: kill ${copy.pid}\\n`));
    copy.kill("SIGKILL");
    await waitFor(() => !isAlive(copy.pid!), { what: "the copy to die" });

    // The daemon dies; its services keep running. Then one of them dies while it is down.
    await env.killDaemon();
    process.kill(gone.pid, "SIGKILL");
    await waitFor(() => !isAlive(gone.pid), { what: "gone to die" });
    const down = env.cli("check");
    assert.equal(down.code, 2, down.stdout + down.stderr);
    const lines = down.stdout.trimEnd().split("\n");
    assert.match(
      lines[0]!,
      /^UPKEEP CRITICAL - 2 problems: daemon: expected the upkeep daemon running, found no daemon holds state dir /,
    );
    assert.match(
      lines[1]!,
      new RegExp(`^CRITICAL daemon: .*; do: upkeep --config ${env.configFile} daemon --detach$`),
    );
    assert.match(
      lines[2]!,
      new RegExp(
        `^CRITICAL gone: expected gone running as recorded PID ${gone.pid}, found stale record: PID ${gone.pid} is no longer running; do: start the daemon, which clears the record and starts gone: upkeep --config `,
      ),
    );
    assert.equal(lines.length, 3, "web, alive and unwatched, is no problem of its own");
    const json = JSON.parse(env.cli("check", "--json").stdout);
    assert.equal(json.daemon.running, false);
    assert.deepEqual(
      json.services.map((s: any) => [s.name, s.pid]),
      [
        ["web", web.pid],
        ["gone", null],
      ],
    );

    await env.startDaemon();
    await env.waitForService("gone", "running", "gone started again");
    const again = await waitFor(
      () => {
        const r = env.cli("check");
        return r.code === 0 ? r : null;
      },
      { what: "check OK with the daemon back" },
    );
    assert.match(again.stdout, /^UPKEEP OK/);
    assert.equal((await env.status("web")).pid, web.pid, "web was adopted, not started twice");
  });
});
