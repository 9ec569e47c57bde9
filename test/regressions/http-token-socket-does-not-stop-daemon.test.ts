import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

// Never again: a Unix socket put where `<state_dir>/http.token` belongs made open(2) fail with
// ENXIO, which reached start-up as a bare errno error and stopped the whole daemon. The HTTP
// listener failing is an event: the daemon refuses the file by name and goes on supervising.
const SERVICE = `services:\n  t:\n    command: ["{fixtures}/ticker", "{marker}", "1"]\n`;

describe("a socket at http.token", () => {
  const env = new TestEnv();
  let holder: Server | null = null;
  after(async () => {
    holder?.close();
    await env.teardown();
  });

  test("is refused by name, and the services go on running", async () => {
    env.writeConfig(`http: { listen: "127.0.0.1:0" }\n${SERVICE}`);
    mkdirSync(env.stateDir, { mode: 0o700, recursive: true });
    const path = join(env.stateDir, "http.token");
    holder = createServer();
    await new Promise<void>((resolve) => holder!.listen(path, resolve));
    await env.startDaemon();
    await env.waitForService("t", "running", "t to run without the HTTP listener");
    const event = await waitFor(
      async () =>
        (await env.api("GET", "/api/v1/events?n=100")).json.events.find((e: any) =>
          /HTTP API and dashboard are off/.test(e.reason),
        ),
      { what: "the daemon event about the listener" },
    );
    assert.match(event.reason, /http\.token/);
    assert.match(event.reason, /ENXIO|socket/);
    assert.match(env.daemonOutput, /hint: .*rm /);
    assert.equal(env.cli("ui").code, 1);
  });
});
