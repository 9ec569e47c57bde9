/**
 * Never again: a descriptor the daemon's caller had open (a shell's `exec 251>…`, a CI runner's
 * pipe) held by the daemon and by every service it starts. The caller waiting for that pipe's
 * end of file then hangs for as long as the daemon runs. Checked for both spawners (the native
 * clone3 one and Node's child_process with UPKEEP_NATIVE=0) and for `daemon --detach`, whose
 * daemon also works from `/` instead of the caller's directory.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess, type StdioOptions } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import type { Readable } from "node:stream";
import { CLI, withTestEnv, type TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

const STRAY_FD = 251;

/** stdio with a pipe at STRAY_FD (no close-on-exec in the child, like a shell's redirection). */
function stdioWithStrayPipe(): StdioOptions {
  const stdio: StdioOptions = ["ignore", "pipe", "pipe"];
  for (let fd = 3; fd < STRAY_FD; fd++) stdio.push("ignore");
  stdio.push("pipe");
  return stdio;
}

/** Resolves once the read end of the stray pipe sees end of file: no process holds it any more. */
function endOfFile(child: ChildProcess): { ended: () => boolean } {
  const pipe = (child.stdio as unknown as Readable[])[STRAY_FD]!;
  let ended = false;
  pipe.on("data", () => undefined);
  pipe.on("end", () => (ended = true));
  pipe.on("close", () => (ended = true));
  return { ended: () => ended };
}

/** The descriptors a process holds, number → what it points to. */
function descriptors(pid: number): Map<number, string> {
  const held = new Map<number, string>();
  for (const entry of readdirSync(`/proc/${pid}/fd`)) {
    try {
      held.set(Number(entry), readlinkSync(`/proc/${pid}/fd/${entry}`));
    } catch {
      // closed between the listing and the read: not held
    }
  }
  return held;
}

/** A service that holds what it was given: `sleep` opens nothing (the test marker is in its environment). */
function writeConfig(env: TestEnv): void {
  env.writeConfig(`services:\n  holder:\n    command: [sleep, "1000"]\n`);
}

async function checkService(env: TestEnv, stray: { ended: () => boolean }, daemonPid: number): Promise<void> {
  const service = await env.waitForService("holder", "running", "the service to run");
  const fds = descriptors(service.pid as number);
  assert.deepEqual(
    [...fds.keys()].sort((a, b) => a - b),
    [0, 1, 2],
    `the service holds only stdio, not ${JSON.stringify([...fds])}`,
  );
  assert.equal(descriptors(daemonPid).has(STRAY_FD), false, "the daemon closed the descriptor it inherited");
  await waitFor(() => stray.ended(), { what: "the caller's pipe to reach end of file while both run" });
}

for (const spawner of ["native", "node"] as const) {
  test(`with the ${spawner} spawner, a service holds only stdio and the caller's pipe reaches end of file`, () =>
    withTestEnv(async (env) => {
      writeConfig(env);
      const child = spawn(process.execPath, [CLI, "--config", env.configFile, "daemon"], {
        stdio: stdioWithStrayPipe(),
        detached: true,
        env: {
          ...process.env,
          UPKEEP_TEST_MARKER: env.marker,
          ...(spawner === "node" ? { UPKEEP_NATIVE: "0" } : {}),
        },
      });
      env.daemon = child;
      child.stdout!.on("data", (d: Buffer) => (env.daemonOutput += d.toString()));
      child.stderr!.on("data", (d: Buffer) => (env.daemonOutput += d.toString()));
      const stray = endOfFile(child);
      await waitFor(async () => (await env.api("GET", "/api/v1/status").catch(() => null))?.status === 200, {
        what: "the daemon's socket to answer",
        timeout: 20_000,
      });
      const status = await env.api("GET", "/api/v1/status");
      assert.equal(status.json.daemon.pid, child.pid);
      await checkService(env, stray, child.pid!);
    }));
}

test("daemon --detach: the daemon and its services hold none of the caller's descriptors, and run in /", () =>
  withTestEnv(async (env) => {
    writeConfig(env);
    const cli = spawn(process.execPath, [CLI, "--config", env.configFile, "daemon", "--detach"], {
      stdio: stdioWithStrayPipe(),
      cwd: env.dir,
      env: { ...process.env, UPKEEP_TEST_MARKER: env.marker },
    });
    let output = "";
    cli.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    cli.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    const stray = endOfFile(cli);
    const code = await new Promise<number | null>((resolve) => cli.once("exit", resolve));
    assert.equal(code, 0, output);
    try {
      const daemonPid = Number(readFileSync(join(env.stateDir, "upkeep.pid"), "utf8"));
      assert.equal(readlinkSync(`/proc/${daemonPid}/cwd`), "/", "the detached daemon works from /");
      await checkService(env, stray, daemonPid);
    } finally {
      const stop = env.cli("shutdown");
      assert.equal(stop.code, 0, stop.stderr);
    }
  }));
