import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { FIXTURES, isAlive, TestEnv } from "../helpers/daemon.js";
import { freePorts, isListening } from "../helpers/ports.js";
import { listProcesses } from "../helpers/proc-table.js";
import { waitFor } from "../helpers/wait-for.js";

/** The PID a pidfile names, or null while it is missing or empty. */
function pidIn(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, "utf8").trim());
    return pid > 0 ? pid : null;
  } catch {
    return null; // ENOENT: not written yet
  }
}

/** PIDs of live processes whose comm is `name`. */
function pidsNamed(name: string): number[] {
  return listProcesses()
    .filter((p) => p.comm === name)
    .map((p) => p.pid);
}

/** How many times the service's log shows `text` (lifecycle markers included). */
function countInLogs(env: TestEnv, name: string, text: string): number {
  const r = env.cli("logs", name, "--timestamps", "-n", "1000");
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split("\n").filter((line) => line.includes(text)).length;
}

describe("type: external with a start and a stop command", () => {
  const env = new TestEnv();
  after(() => env.teardown());
  // comm holds 15 characters: unique per test so parallel runs never match each other.
  const name = `ext-${env.marker.slice(-8)}`;
  const adoptName = `adp-${env.marker.slice(-8)}`;
  const cmdName = `cmd-${env.marker.slice(-8)}`;

  test("started by its start command, started again after kill -9, an already running one adopted, stopped by its stop command", async () => {
    const pidfile = join(env.dir, "ext.pid");
    const adoptPidfile = join(env.dir, "adopt.pid");
    // Already running before the daemon starts, found by match only: started by "someone else".
    const launcher = spawn(
      join(FIXTURES, "external-start"),
      ["--pidfile", adoptPidfile, "--name", adoptName, env.marker],
      { stdio: "ignore", env: { ...process.env, UPKEEP_TEST_MARKER: env.marker } },
    );
    await new Promise((resolve) => launcher.once("exit", resolve));
    const preexisting = await waitFor(() => pidIn(adoptPidfile), {
      what: "the pre-existing daemon's pidfile",
    });
    await waitFor(() => pidsNamed(adoptName).includes(preexisting), { what: `${adoptName} named` });

    env.writeConfig(`
services:
  ext:
    type: external
    pidfile: ${pidfile}
    start: ["{fixtures}/external-start", --pidfile, ${pidfile}, --name, ${name}, "{marker}"]
    stop: ["{fixtures}/external-stop", ${pidfile}, "{marker}"]
    start_timeout: 10s
    backoff: { initial: 50ms }
  adoptee:
    type: external
    match: { comm: ${adoptName} }
    start: ["{fixtures}/external-start", --pidfile, ${adoptPidfile}, --name, ${adoptName}, "{marker}"]
    start_timeout: 10s
  bycmdline:
    type: external
    match: { cmdline: "${cmdName}$" }
    start: ["{fixtures}/external-start", --pidfile, ${join(env.dir, "cmd.pid")}, "{marker}", --name, ${cmdName}]
    start_timeout: 10s
`);
    await env.startDaemon();

    const first = await env.waitForService("ext", "running", "ext started");
    assert.equal(first.pid, pidIn(pidfile), "the main PID is the one the pidfile names");
    assert.deepEqual(pidsNamed(name), [first.pid]);
    assert.equal(countInLogs(env, "ext", "ran start command"), 1);

    const adopted = await env.waitForService("adoptee", "running", "adoptee adopted");
    assert.equal(adopted.pid, preexisting, "the running process is adopted");
    assert.deepEqual(pidsNamed(adoptName), [preexisting], "exactly one adoptee: none was started");
    assert.equal(countInLogs(env, "adoptee", "ran start command"), 0);
    const adoptEvents = env.cli("events", "adoptee", "--json");
    assert.match(adoptEvents.stdout, new RegExp(`adopted live PID ${preexisting}`));

    // The regex matches the start command's own argv (it ends with the name) while it runs, and
    // the daemon's title only without the NUL padding of its argv area: the main process must
    // be the daemon, and stay it once the start command has exited.
    const byCmdline = await env.waitForService("bycmdline", "running", "bycmdline started");
    // The fixture takes its title a moment before it writes its pidfile.
    const cmdDaemon = await waitFor(() => pidIn(join(env.dir, "cmd.pid")), { what: "bycmdline's pidfile" });
    assert.equal(byCmdline.pid, cmdDaemon, "the daemon, not its start command");
    const logs = env.cli("logs", "bycmdline", "--timestamps").stdout;
    const launcherPid = Number(/ran start command, PID (\d+)/.exec(logs)?.[1]);
    await waitFor(() => !isAlive(launcherPid), { what: "the start command to exit" });
    const settled = await env.status("bycmdline");
    assert.deepEqual([settled.state, settled.pid, settled.restarts], ["running", byCmdline.pid, 0]);

    process.kill(first.pid, "SIGKILL");
    const again = await env.waitForService("ext", "running", "ext started again", first.pid);
    assert.equal(again.pid, pidIn(pidfile), "the new pidfile's PID");
    assert.equal(isAlive(first.pid), false);
    assert.deepEqual(pidsNamed(name), [again.pid], "exactly one copy");
    assert.equal(countInLogs(env, "ext", "ran start command"), 2, "the start command ran again");
    const events = env.cli("events", "ext", "--json");
    // Its start command exited, so the daemon (a child subreaper) became its parent: the
    // status is known (docs/daemon.md, "PID 1 and orphans").
    assert.match(
      events.stdout,
      /"reason":"killed by SIGKILL","details":\{"code":null,"signal":"SIGKILL","status_known":true\}/,
    );

    const stop = env.cli("stop", "ext");
    assert.equal(stop.code, 0, stop.stdout + stop.stderr);
    assert.equal(isAlive(again.pid), false, "the stop command stopped it");
    assert.equal(countInLogs(env, "ext", "ran stop command"), 1);
    assert.equal((await env.status("ext")).state, "stopped");

    const stopAdoptee = env.cli("stop", "adoptee");
    assert.equal(stopAdoptee.code, 0, stopAdoptee.stdout + stopAdoptee.stderr);
    assert.equal(isAlive(preexisting), false, "without a stop command, the stop signal stops it");
    assert.equal(env.cli("stop", "bycmdline").code, 0);
    assert.equal(isAlive(byCmdline.pid), false);
  });
});

describe("type: external whose pidfile names a stranger", () => {
  const env = new TestEnv();
  after(() => env.teardown());

  test("refused as failed with the PID and --force; start --force adopts that PID", async () => {
    const pidfile = join(env.dir, "stranger.pid");
    // A live process upkeep did not start and cannot tie to the service (no match to prove it).
    const decoy = spawn("sleep", ["600"], {
      stdio: "ignore",
      env: { ...process.env, UPKEEP_TEST_MARKER: env.marker },
    });
    after(() => decoy.kill("SIGKILL"));
    writeFileSync(pidfile, `${decoy.pid}\n`);
    // Last written before the decoy started: its PID is a reused number, not the writer's.
    utimesSync(pidfile, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
    env.writeConfig(`
services:
  stranger:
    type: external
    pidfile: ${pidfile}
    start: ["{fixtures}/external-start", --pidfile, ${pidfile}, --name, never-started, "{marker}"]
`);
    await env.startDaemon();

    const refused = await env.waitForService("stranger", "failed", "stranger refused");
    assert.match(refused.reason, new RegExp(`names PID ${decoy.pid} \\(sleep\\)`));
    assert.match(refused.reason, /upkeep start stranger --force/);
    assert.equal(isAlive(decoy.pid!), true, "the stranger is never signalled");
    assert.equal(countInLogs(env, "stranger", "ran start command"), 0, "nothing was started");
    assert.deepEqual(pidsNamed("never-started"), []);

    const forced = env.cli("start", "stranger", "--force");
    assert.equal(forced.code, 0, forced.stdout + forced.stderr);
    const taken = await env.waitForService("stranger", "running", "stranger taken over");
    assert.equal(taken.pid, decoy.pid);

    const stop = env.cli("stop", "stranger");
    assert.equal(stop.code, 0, stop.stdout + stop.stderr);
    await waitFor(() => !isAlive(decoy.pid!), { what: "the taken-over process to be stopped" });
  });
});

describe("type: external whose stop command fails", () => {
  const env = new TestEnv();
  after(() => env.teardown());
  const name = `bst-${env.marker.slice(-8)}`;

  test("a failing stop command falls back to the stop signal at once, not to the timeout's SIGKILL", async () => {
    const pidfile = join(env.dir, "bad.pid");
    env.writeConfig(`
services:
  badstop:
    type: external
    pidfile: ${pidfile}
    start: ["{fixtures}/external-start", --pidfile, ${pidfile}, --name, ${name}, "{marker}"]
    stop: { command: ["false"], timeout: 60s }
`);
    await env.startDaemon();
    const running = await env.waitForService("badstop", "running", "badstop started");
    const stop = env.cli("stop", "badstop");
    assert.equal(stop.code, 0, stop.stdout + stop.stderr);
    assert.equal(isAlive(running.pid), false);
    assert.equal(countInLogs(env, "badstop", "stop command exited with code 1; sending SIGTERM"), 1);
    const events = env.cli("events", "badstop", "--json").stdout;
    assert.doesNotMatch(events, /did not stop within 60s/, "no wait for the stop timeout");
  });
});

describe("type: external with listen, already running", () => {
  const env = new TestEnv();
  after(() => env.teardown());

  test("is adopted although it holds its own port: the pre-flight runs only before a start command", async () => {
    const [port] = await freePorts(1);
    const running = spawn(join(FIXTURES, "closing-listener"), [String(port), env.marker], {
      stdio: "ignore",
      detached: true,
      env: { ...process.env, UPKEEP_TEST_MARKER: env.marker },
    });
    running.unref();
    await waitFor(() => isListening(port!), { what: "the already running service to listen" });
    env.writeConfig(`
services:
  web:
    type: external
    match: { cmdline: "closing-listener ${port} " }
    start: ["{fixtures}/closing-listener", "${port}", "{marker}"]
    listen: [${port}]
`);
    await env.startDaemon();
    const web = await env.waitForService("web", "running", "web adopted");
    assert.equal(web.pid, running.pid, "the running process is adopted, not refused over its own port");
    assert.equal(countInLogs(env, "web", "ran start command"), 0);
    assert.equal(env.cli("check").code, 0, "its tree holds its port");

    // A second process that matches, outside the adopted one's tree: a second copy.
    const copy = spawn(
      process.execPath,
      ["-e", "setTimeout(() => {}, 60000)", "closing-listener", String(port), env.marker],
      {
        stdio: "ignore",
      },
    );
    after(() => copy.kill("SIGKILL"));
    await waitFor(() => isAlive(copy.pid!), { what: "the copy to run" });
    const warning = await waitFor(
      () => {
        const r = env.cli("check");
        return r.code === 1 ? r : null;
      },
      { what: "check to warn of the copy" },
    );
    assert.match(warning.stdout, new RegExp(`found a second copy outside upkeep's records: PID ${copy.pid}`));
  });
});

describe("two external services whose match finds the same process", () => {
  const env = new TestEnv();
  after(() => env.teardown());
  const name = `ovl-${env.marker.slice(-8)}`;

  test("never share it: one adopts it, the other starts its own or is refused, and check stays clean of a shared PID", async () => {
    const pidfile = join(env.dir, "first.pid");
    const launcher = spawn(
      join(FIXTURES, "external-start"),
      ["--pidfile", pidfile, "--name", name, env.marker],
      {
        stdio: "ignore",
        env: { ...process.env, UPKEEP_TEST_MARKER: env.marker },
      },
    );
    await new Promise((resolve) => launcher.once("exit", resolve));
    const running = await waitFor(() => pidIn(pidfile), { what: "the running process's pidfile" });
    env.writeConfig(`
services:
  one:
    type: external
    match: { comm: ${name} }
    start: ["{fixtures}/external-start", --pidfile, ${env.dir}/one.pid, --name, ${name}, "{marker}"]
    start_timeout: 10s
  two:
    type: external
    match: { comm: ${name} }
    start: ["{fixtures}/external-start", --pidfile, ${env.dir}/two.pid, --name, ${name}, "{marker}"]
    start_timeout: 10s
`);
    await env.startDaemon();
    const settled = await waitFor(
      async () => {
        const [one, two] = [await env.status("one"), await env.status("two")];
        const done = (s: any) => s.state === "running" || s.state === "failed";
        return done(one) && done(two) ? [one, two] : null;
      },
      { what: "both services to settle" },
    );
    const pids = settled.filter((s: any) => s.state === "running").map((s: any) => s.pid);
    assert.ok(pids.includes(running), "the running process is adopted by one of them");
    assert.equal(
      new Set(pids).size,
      pids.length,
      `no PID is the main process of both: ${JSON.stringify(settled)}`,
    );
    assert.doesNotMatch(env.cli("check").stdout, /to be the process of one service/);
  });
});
