import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";
import { freePorts } from "../helpers/ports.js";
import { waitFor } from "../helpers/wait-for.js";

/** The events of a service, from `upkeep events NAME --json` (one JSON object per line). */
function eventsOf(env: TestEnv, name: string): any[] {
  return env
    .cli("events", name, "--json")
    .stdout.trim()
    .split("\n")
    .map((line) => JSON.parse(line));
}

describe("continuous watch of children and ports", () => {
  const env = new TestEnv();
  after(() => env.teardown());

  test("a child dying is an unhealthy event; with health.restart_on: [children] the service restarts whole", async () => {
    const [a, b] = await freePorts(2);
    const daemon = (name: string, port: number): string =>
      `type: forking
    command: ["{fixtures}/fake-forking-daemon", --pidfile, ${env.dir}/${name}.pid, --name, ${name}_m,
              --child, "${name}_c:${port}", "{marker}"]
    pidfile: ${env.dir}/${name}.pid
    backoff: { initial: 50ms }
    children:
      - { name: ${name}_c, listen: [${port}] }`;
    env.writeConfig(`
services:
  watched:
    ${daemon("watched", a!)}
  healing:
    ${daemon("healing", b!)}
    health: { restart_on: [children] }
`);
    await env.startDaemon();
    for (const name of ["watched", "healing"]) await env.waitForService(name, "running", `${name} running`);
    const whole = await waitFor(
      async () => {
        const s = await env.status("watched");
        return s.ports.length === 1 && s.children.length === 1 ? s : null;
      },
      { what: "status to show watched's child and port" },
    );
    assert.deepEqual(whole.ports, [a]);
    assert.equal(whole.children[0].name, "watched_c");

    process.kill(whole.children[0].pid, "SIGKILL");
    const unhealthy = await waitFor(
      () => {
        return eventsOf(env, "watched").find((e) => e.kind === "unhealthy") ?? null;
      },
      { what: "an unhealthy event for watched" },
    );
    assert.match(unhealthy.reason, /expected 1 × child watched_c, found none/);
    assert.match(unhealthy.reason, /not restarted \(add health.restart_on: \[children, ports\]/);
    assert.equal((await env.status("watched")).pid, whole.pid, "without restart_on it keeps running");

    const healing = await env.status("healing");
    await waitFor(async () => (await env.status("healing")).children.length === 1, {
      what: "healing's child seen",
    });
    process.kill((await env.status("healing")).children[0].pid, "SIGKILL");
    const restarted = await waitFor(
      async () => {
        const s = await env.status("healing");
        return s.state === "running" && s.pid !== healing.pid && s.children.length === 1 ? s : null;
      },
      { what: "healing restarted with its child back" },
    );
    assert.deepEqual(restarted.ports, [b]);
  });
});

describe("continuous watch of listen ports", () => {
  const env = new TestEnv();
  after(() => env.teardown());

  test("a service that closes its port while running is unhealthy and, with restart_on: [ports], restarted", async () => {
    const [port] = await freePorts(1);
    env.writeConfig(`
services:
  web:
    command: ["{fixtures}/closing-listener", "${port}", "{marker}"]
    listen: [${port}]
    health: { restart_on: [ports] }
`);
    await env.startDaemon();
    const first = await waitFor(
      async () => {
        const s = await env.status("web");
        return s.state === "running" && s.ports.length === 1 ? s : null;
      },
      { what: "web running with its port seen" },
    );
    process.kill(first.pid, "SIGUSR1");
    const again = await waitFor(
      async () => {
        const s = await env.status("web");
        return s.state === "running" && s.pid !== first.pid && s.ports.length === 1 ? s : null;
      },
      { what: "web restarted for its closed port (the port watch looks every 5 s)", timeout: 20_000 },
    );
    assert.deepEqual(again.ports, [port]);
    const unhealthy = eventsOf(env, "web").find((e) => e.kind === "unhealthy");
    assert.match(
      unhealthy.reason,
      new RegExp(`expected port ${port} in LISTEN, held by its tree, found not in LISTEN; restarting it`),
    );
  });
});
