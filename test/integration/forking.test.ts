import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { isAlive, TestEnv } from "../helpers/daemon.js";
import { freePorts, isListening } from "../helpers/ports.js";
import { waitFor } from "../helpers/wait-for.js";

/** PIDs of the marked processes whose comm is `name`. */
function pidsNamed(env: TestEnv, name: string): number[] {
  return env.markedPids().filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === name;
    } catch {
      return false;
    }
  });
}

describe("type: forking with a pidfile", () => {
  const env = new TestEnv();
  after(() => env.teardown());

  test("the pidfile's master is watched; killed, it is restarted with its old children cleaned and its ports free", async () => {
    const [tcp, tls] = await freePorts(2);
    const pidfile = join(env.dir, "seonrd.pid");
    env.writeConfig(`
services:
  seonrd:
    type: forking
    command: ["{fixtures}/fake-forking-daemon", --pidfile, ${pidfile}, --name, seonrd,
              --child, "seonrd_tcpip:${tcp}", --child, "seonrd_tls:${tls}", "{marker}"]
    pidfile: ${pidfile}
    start_timeout: 10s
    backoff: { initial: 50ms }
    stop: { timeout: 3s }
    listen: [${tcp}, ${tls}]
    children:
      - { name: seonrd_tcpip, listen: [${tcp}] }
      - { name: seonrd_tls, listen: [${tls}] }
`);
    await env.startDaemon();
    const running = await env.waitForService("seonrd", "running", "seonrd running");
    const master = Number(readFileSync(pidfile, "utf8"));
    assert.equal(running.pid, master, "the main PID is the one the pidfile names, not the start command's");
    await waitFor(async () => (await isListening(tcp!)) && (await isListening(tls!)), {
      what: "both listeners",
    });
    const oldChildren = [...pidsNamed(env, "seonrd_tcpip"), ...pidsNamed(env, "seonrd_tls")];
    assert.equal(oldChildren.length, 2);
    const ok = env.cli("check");
    assert.equal(ok.code, 0, ok.stdout);
    assert.match(ok.stdout, /^UPKEEP OK - 1 services checked, 1 running, all as declared \|/);

    // A dead child is not replaced by this master: check names it, and its port.
    process.kill(pidsNamed(env, "seonrd_tls")[0]!, "SIGKILL");
    await waitFor(async () => !(await isListening(tls!)), { what: "the tls child's port to close" });
    const critical = await waitFor(
      () => {
        const r = env.cli("check");
        return r.code === 2 ? r : null;
      },
      { what: "check to turn CRITICAL" },
    );
    assert.match(
      critical.stdout,
      /^UPKEEP CRITICAL - 2 problems: seonrd: expected 1 × child seonrd_tls, found none/,
    );
    assert.match(
      critical.stdout,
      new RegExp(
        `\nCRITICAL seonrd: expected port ${tls} in LISTEN, held by child seonrd_tls, found not in LISTEN; do: upkeep restart seonrd`,
      ),
    );
    const json = JSON.parse(env.cli("check", "--json").stdout);
    assert.equal(json.status, "CRITICAL");
    assert.deepEqual(
      json.services[0].children.map((c: any) => [c.name, c.pids.length]),
      [
        ["seonrd_tcpip", 1],
        ["seonrd_tls", 0],
      ],
    );

    process.kill(master, "SIGKILL");
    const again = await env.waitForService("seonrd", "running", "seonrd restarted", master);
    assert.notEqual(again.pid, master);
    assert.equal(Number(readFileSync(pidfile, "utf8")), again.pid);
    for (const pid of oldChildren) assert.equal(isAlive(pid), false, `old child ${pid} was cleaned up`);
    await waitFor(async () => (await isListening(tcp!)) && (await isListening(tls!)), {
      what: "the new children to listen on the freed ports",
    });
    assert.equal(pidsNamed(env, "seonrd").length, 1, "exactly one master");
    const okAgain = await waitFor(
      () => {
        const r = env.cli("check");
        return r.code === 0 ? r : null;
      },
      { what: "check OK again after the restart" },
    );
    assert.match(okAgain.stdout, /^UPKEEP OK/);
    const events = env.cli("events", "seonrd", "--json");
    // Its start command exited, so the daemon (a child subreaper) became its parent: the
    // status is known (docs/daemon.md, "PID 1 and orphans").
    assert.match(
      events.stdout,
      /"reason":"killed by SIGKILL","details":\{"code":null,"signal":"SIGKILL","status_known":true\}/,
    );

    assert.equal(env.cli("stop", "seonrd").code, 0);
    await waitFor(() => env.markedPids().filter((p) => p !== env.daemon!.pid).length === 0, {
      what: "nothing of seonrd left after stop",
    });
    assert.equal(await isListening(tcp!), false);
  });
});

describe("forking start failures", () => {
  const env = new TestEnv();
  after(() => env.teardown());

  test("a failing start command, a pidfile never written and a pidfile naming a stranger each fail with the reason", async () => {
    const dir = env.dir;
    env.writeConfig(`
services:
  exits:
    type: forking
    command: ["{fixtures}/fake-forking-daemon", --pidfile, ${dir}/a.pid, --exit, "3", "{marker}"]
    pidfile: ${dir}/a.pid
    restart: no
  silent:
    type: forking
    command: ["{fixtures}/fake-forking-daemon", --pidfile, ${dir}/elsewhere.pid, "{marker}"]
    pidfile: ${dir}/b.pid
    start_timeout: 1s
    restart: no
  stranger:
    type: forking
    command: ["{fixtures}/fake-forking-daemon", --pidfile, ${dir}/c.pid, "{marker}"]
    pidfile: ${dir}/c.pid
`);
    // The stranger: a live process upkeep did not start, named by c.pid.
    const decoy = spawn("sleep", ["600"], { stdio: "ignore" });
    after(() => decoy.kill("SIGKILL"));
    writeFileSync(join(dir, "c.pid"), `${decoy.pid}\n`);
    // Last written before the decoy started: its PID is a reused number, not the writer's.
    utimesSync(join(dir, "c.pid"), new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
    await env.startDaemon();

    const exits = await env.waitForService("exits", "failed", "exits failed");
    assert.match(exits.reason, /the start command exited with code 3/);
    const silent = await env.waitForService("silent", "failed", "silent failed");
    assert.match(
      silent.reason,
      new RegExp(`no main process after start_timeout 1s: pidfile ${dir}/b.pid does not exist`),
    );
    const stranger = await env.waitForService("stranger", "failed", "stranger refused");
    assert.match(stranger.reason, new RegExp(`names PID ${decoy.pid} \\(sleep\\) started `));
    assert.match(stranger.reason, /which upkeep cannot tie to 'stranger'/);
    assert.match(stranger.reason, new RegExp(`kill ${decoy.pid}`));
    assert.match(stranger.reason, /upkeep start stranger --force/);
    assert.equal(isAlive(decoy.pid!), true, "the stranger is never signalled");

    const forced = env.cli("start", "stranger", "--force");
    assert.equal(forced.code, 0, forced.stdout + forced.stderr);
    const taken = await env.waitForService("stranger", "running", "stranger taken over");
    assert.equal(taken.pid, decoy.pid);
  });
});

describe("a stop during a forking start", () => {
  const env = new TestEnv();
  after(() => env.teardown());

  test("does not wait for start_timeout: the start is given up, what it forked killed, the service stopped", async () => {
    env.writeConfig(`
services:
  slow:
    type: forking
    command: ["{fixtures}/fake-forking-daemon", --pidfile, ${env.dir}/elsewhere.pid, --name, slow_m, "{marker}"]
    pidfile: ${env.dir}/slow.pid
    start_timeout: 10m
    stop: { timeout: 2s }
`);
    await env.startDaemon();
    await waitFor(() => pidsNamed(env, "slow_m").length === 1, {
      what: "the daemon forked by the start command",
    });
    const stop = env.cli("stop", "slow");
    assert.equal(stop.code, 0, stop.stdout + stop.stderr);
    assert.equal((await env.status("slow")).state, "stopped");
    await waitFor(() => pidsNamed(env, "slow_m").length === 0, {
      what: "what the start forked to be killed",
    });
    assert.match(
      env.cli("logs", "slow", "--timestamps").stdout,
      /the start was given up: a stop or restart was requested/,
    );
  });
});
