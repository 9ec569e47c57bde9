import assert from "node:assert/strict";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo, type Server } from "node:net";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";
import { httpRequest } from "../helpers/http-client.js";
import { freePorts, isListening } from "../helpers/ports.js";
import { waitFor } from "../helpers/wait-for.js";

// The HTTP listener never stops supervision: when it cannot start, the daemon says why (stderr,
// an event, `upkeep ui`) and goes on with the control socket.
const SERVICE = `services:\n  t:\n    command: ["{fixtures}/ticker", "{marker}", "1"]\n`;

describe("a taken port", () => {
  const env = new TestEnv();
  let holder: Server | null = null;
  after(async () => {
    holder?.close();
    await env.teardown();
  });

  test("is said and recorded, the services run, and `upkeep ui` names the cause", async () => {
    holder = createServer();
    await new Promise<void>((resolve) => holder!.listen(0, "127.0.0.1", resolve));
    const port = (holder.address() as AddressInfo).port;
    env.writeConfig(`http: { listen: 127.0.0.1:${port} }\n${SERVICE}`);
    await env.startDaemon();
    await env.waitForService("t", "running", "t to run without the HTTP listener");
    const event = await waitFor(
      async () =>
        (await env.api("GET", "/api/v1/events?n=100")).json.events.find((e: any) =>
          /HTTP API and dashboard are off/.test(e.reason),
        ),
      { what: "the daemon event about the listener" },
    );
    assert.match(event.reason, new RegExp(`127\\.0\\.0\\.1:${port}: EADDRINUSE`));
    assert.match(env.daemonOutput, /the HTTP API and dashboard are off/);
    const ui = env.cli("ui");
    assert.equal(ui.code, 1);
    assert.match(ui.stderr, /HTTP listener is not running/);
  });
});

describe("http: false", () => {
  const env = new TestEnv();
  after(() => env.teardown());

  test("`upkeep ui` exits 1 saying the dashboard is off and how to turn it on", async () => {
    env.writeConfig(`http: false\n${SERVICE}`);
    await env.startDaemon();
    const ui = env.cli("ui");
    assert.equal(ui.code, 1);
    assert.match(ui.stderr, /the dashboard is off: the config says http: false/);
    assert.match(ui.stderr, /hint: remove `http: false`/);
  });
});

describe("a token file others can read", () => {
  const env = new TestEnv();
  after(() => env.teardown());

  test("is refused with the chmod, and the daemon runs on", async () => {
    env.writeConfig(`http: { listen: "127.0.0.1:0" }\n${SERVICE}`);
    mkdirSync(env.stateDir, { mode: 0o700 });
    writeFileSync(join(env.stateDir, "http.token"), `${"x".repeat(43)}\n`);
    chmodSync(join(env.stateDir, "http.token"), 0o644);
    await env.startDaemon();
    await env.waitForService("t", "running", "t to run");
    await waitFor(
      () => /http\.token could be read or changed by others[\s\S]*chmod 600/.test(env.daemonOutput),
      {
        what: "the refusal with the fix",
      },
    );
    assert.equal(env.cli("ui").code, 1);
  });
});

describe("reload-config", () => {
  const env = new TestEnv();
  after(() => env.teardown());

  test("moves the listener to a new http.listen, and http: false stops it", async () => {
    const [first, second] = await freePorts(2);
    env.writeConfig(`http: { listen: 127.0.0.1:${first} }\n${SERVICE}`);
    await env.startDaemon();
    assert.equal((await httpRequest(first!, "GET", "/api/v1/status")).status, 401);
    env.writeConfig(`http: { listen: 127.0.0.1:${second} }\n${SERVICE}`);
    const moved = env.cli("reload-config");
    assert.equal(moved.code, 0, moved.stderr);
    await waitFor(() => isListening(second!), { what: `the listener on ${second}` });
    assert.equal(await isListening(first!), false, "the old port is closed");
    assert.match(env.cli("ui").stdout, new RegExp(`^http://127\\.0\\.0\\.1:${second}/#login=`));
    const events = (await env.api("GET", "/api/v1/events?n=50")).json.events.map((e: any) => e.reason);
    assert.ok(
      events.includes(`the HTTP API and dashboard now listen on http://127.0.0.1:${second}/`),
      events.join("\n"),
    );
    env.writeConfig(`http: false\n${SERVICE}`);
    assert.equal(env.cli("reload-config").code, 0);
    await waitFor(async () => !(await isListening(second!)), { what: "the listener to stop" });
    assert.equal(env.cli("ui").code, 1);
    assert.equal((await env.status("t")).state, "running", "the services are untouched");
  });
});
