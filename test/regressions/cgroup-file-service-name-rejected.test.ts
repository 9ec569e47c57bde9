import assert from "node:assert/strict";
import { after, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";

// `cgroup.procs` and `cgroup.kill` passed `config check` as service names, then faulted when
// the daemon made the service's cgroup directory, beside the cgroup's own interface files.
// What must never happen again: a service name that has the form of a cgroup interface file
// (cgroup.*, memory.*, cpu.*, io.*, pids.* and the other controllers') reaches the daemon.
const env = new TestEnv();
after(() => env.teardown());

test("config check rejects service names of the form of cgroup interface files", () => {
  env.writeConfig(`
services:
  cgroup.procs: { command: [sleep, "5"] }
  cgroup.kill: { command: [sleep, "5"] }
  memory.max: { command: [sleep, "5"] }
  cpu.stat: { command: [sleep, "5"] }
  io.pressure: { command: [sleep, "5"] }
  pids.max: { command: [sleep, "5"] }
  memory: { command: [sleep, "5"] }
  web.memory.max: { command: [sleep, "5"] }
`);
  const r = env.cli("config", "check");
  assert.equal(r.code, 2, r.stdout + r.stderr);
  const out = r.stdout + r.stderr;
  for (const name of ["cgroup.procs", "cgroup.kill", "memory.max", "cpu.stat", "io.pressure", "pids.max"])
    assert.match(
      out,
      new RegExp(`service name "${name.replace(".", "\\.")}" has the form of a cgroup interface file`),
    );
  assert.match(out, /^6 problems$/m, "memory and web.memory.max are fine");
});
