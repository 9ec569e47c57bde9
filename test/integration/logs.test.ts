import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

describe("upkeep logs", () => {
  const env = new TestEnv();
  after(() => env.teardown());

  test("prints the output exactly as written, by stream, and with --timestamps the lifecycle markers", async () => {
    env.writeConfig(`
services:
  once:
    command: ["{fixtures}/exit-after", "{marker}", "0", "4"]
    restart: "no"
`);
    await env.startDaemon();
    await waitFor(async () => (await env.status("once")).state === "exited", { what: "once exited" });
    const out = env.cli("logs", "once", "--stream", "out");
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, "exit-after: running, will exit 4 in 0 s\n");
    const err = env.cli("logs", "once", "--stream", "err");
    assert.equal(err.stdout, "exit-after: exiting with 4\n");
    const both = env.cli("logs", "once");
    assert.equal(both.stdout, "exit-after: running, will exit 4 in 0 s\nexit-after: exiting with 4\n");

    const ts = env.cli("logs", "once", "--timestamps");
    const lines = ts.stdout.trimEnd().split("\n");
    const iso = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z";
    assert.match(lines[0]!, new RegExp(`^${iso} upkeep \\| started PID \\d+$`));
    assert.match(lines[1]!, new RegExp(`^${iso} out \\| exit-after: running`));
    assert.match(lines[2]!, new RegExp(`^${iso} err \\| exit-after: exiting with 4$`));
    assert.match(lines[3]!, new RegExp(`^${iso} upkeep \\| exited with code 4$`));
  });

  test("-n limits the lines and an unknown service is an error", () => {
    const r = env.cli("logs", "once", "-n", "1");
    assert.equal(r.stdout.split("\n").filter(Boolean).length, 1);
    const bad = env.cli("logs", "nope");
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /once/);
  });
});
