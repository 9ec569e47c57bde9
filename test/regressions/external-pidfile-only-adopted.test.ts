import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { chownSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { isAlive, TestEnv } from "../helpers/daemon.js";

// An external service declared with a pidfile only (SPEC §2's apache example) was refused:
// "cannot tie" the process the operator's own pidfile names, unless started with --force.
// What must never happen again: the process that wrote the pidfile (it already ran when the
// file was last written) is refused. Only a PID whose process began after the write (a
// reused number), or a pidfile of another user than the process's, is refused, with the reason.
const env = new TestEnv();
after(() => env.teardown());

/** A process the test starts itself, as an operator's init script would; tagged for teardown. */
function startDecoy(): Promise<ChildProcess> {
  const child = spawn("sleep", ["600"], {
    stdio: "ignore",
    env: { ...process.env, UPKEEP_TEST_MARKER: env.marker },
  });
  after(() => child.kill("SIGKILL"));
  return new Promise((resolve, reject) => {
    child.once("spawn", () => resolve(child));
    child.once("error", reject);
  });
}

/** The service's log: whether upkeep ran its start command. */
function ranStart(name: string): boolean {
  const r = env.cli("logs", name, "--timestamps", "-n", "1000");
  return r.stdout.includes("ran start command");
}

const asRoot = process.getuid?.() === 0;

test("external with only a pidfile: the writer is adopted; a reused PID and another user's pidfile are refused", async () => {
  const writer = await startDecoy();
  const reused = await startDecoy();
  const foreign = await startDecoy();
  const forked = await startDecoy();
  // Written after each process started, as the daemon that wrote it would have.
  writeFileSync(join(env.dir, "apache.pid"), `${writer.pid}\n`);
  writeFileSync(join(env.dir, "reused.pid"), `${reused.pid}\n`);
  writeFileSync(join(env.dir, "foreign.pid"), `${foreign.pid}\n`);
  writeFileSync(join(env.dir, "forked.pid"), `${forked.pid}\n`);
  // Last written an hour ago: the process now holding that PID began after the write.
  const hourAgo = new Date(Date.now() - 3_600_000);
  utimesSync(join(env.dir, "reused.pid"), hourAgo, hourAgo);
  // Root's process named by a pidfile that user nobody (65534) wrote.
  if (asRoot) chownSync(join(env.dir, "foreign.pid"), 65534, 65534);
  env.writeConfig(`
services:
  apache:
    type: external
    pidfile: ${env.dir}/apache.pid
    start: [/bin/false, "{marker}"]
  forked:
    type: forking
    command: [/bin/false, "{marker}"]
    pidfile: ${env.dir}/forked.pid
  reused:
    type: external
    pidfile: ${env.dir}/reused.pid
    start: [/bin/false, "{marker}"]
${
  asRoot
    ? `  foreign:
    type: external
    pidfile: ${env.dir}/foreign.pid
    start: [/bin/false, "{marker}"]
`
    : ""
}`);
  await env.startDaemon();

  const apache = await env.waitForService("apache", "running", "apache adopted from its pidfile");
  assert.equal(apache.pid, writer.pid);
  assert.equal(ranStart("apache"), false, "nothing was started: the running process was adopted");

  // The same rule for a forking daemon that already runs: adopted, not started a second time.
  const daemon = await env.waitForService("forked", "running", "the running forking daemon adopted");
  assert.equal(daemon.pid, forked.pid);
  assert.equal(ranStart("forked"), false);

  const refused = await env.waitForService("reused", "failed", "the reused PID refused");
  assert.match(refused.reason, new RegExp(`names PID ${reused.pid} \\(sleep\\)`));
  assert.match(refused.reason, /which upkeep cannot tie to 'reused'/);
  assert.match(refused.reason, /after pidfile .*reused\.pid was last written/);
  assert.match(refused.reason, /upkeep start reused --force/);
  assert.equal(isAlive(reused.pid!), true, "a refused process is never signalled");

  if (asRoot) {
    const other = await env.waitForService("foreign", "failed", "another user's pidfile refused");
    assert.match(other.reason, /foreign\.pid is owned by uid 65534, and PID \d+ runs as uid 0/);
    assert.equal(isAlive(foreign.pid!), true);
  }

  // Adopted means supervised: a stop ends it.
  const stop = env.cli("stop", "apache");
  assert.equal(stop.code, 0, stop.stdout + stop.stderr);
  assert.equal(isAlive(writer.pid!), false);
});
