import assert from "node:assert/strict";
import { mkdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";
import { freePorts } from "../helpers/ports.js";
import { waitFor } from "../helpers/wait-for.js";

describe("instances", () => {
  const env = new TestEnv();
  after(() => env.teardown());

  test("{instance} is substituted in command, env, cwd and ports; `stop NAME` stops every instance", async () => {
    const ports = await freePorts(2);
    for (const p of ports) mkdirSync(join(env.dir, `home-${p}`));
    env.writeConfig(`
services:
  peer:
    instances: [${ports.join(", ")}]
    command: ["{fixtures}/closing-listener", "{instance}", "{marker}"]
    env: { PEER: "host-{instance}" }
    cwd: ./home-{instance}
    listen: ["{instance}"]
    ready: { tcp: "{instance}", interval: 100ms }
`);
    await env.startDaemon();
    for (const p of ports) {
      const name = `peer@${p}`;
      const s = await env.waitForService(name, "running", `${name} running`);
      const environ = readFileSync(`/proc/${s.pid}/environ`, "utf8").split("\0");
      assert.ok(environ.includes(`PEER=host-${p}`), `${name} has its own env`);
      assert.equal(readlinkSync(`/proc/${s.pid}/cwd`), join(env.dir, `home-${p}`));
      assert.ok(readFileSync(`/proc/${s.pid}/cmdline`, "utf8").split("\0").includes(String(p)));
      await waitFor(async () => (await env.status(name)).ports.includes(p) || null, { what: `${name} port` });
    }
    const list = await env.api("GET", "/api/v1/services");
    const names = list.json.services.map((s: any) => s.name);
    assert.deepEqual(
      names,
      ports.map((p) => `peer@${p}`),
    );
    assert.equal(env.cli("stop", "peer").code, 0);
    for (const p of ports) assert.equal((await env.status(`peer@${p}`)).state, "stopped");
  });
});
