/**
 * Must never happen again: an upgrade of upkeep stops the services (downtime), or the next
 * daemon starts second copies, or output written while no daemon ran is lost. `upkeep shutdown
 * --leave-running` exits the daemon only; a daemon of another build (a copy of this one with
 * another version) adopts every service with the same PIDs, and every line the services wrote
 * throughout, before, during and after the switch, is in their logs exactly once, in order.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  closeSync,
  constants,
  cpSync,
  existsSync,
  openSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { native } from "../../src/core/native.js";
import { isAlive, isFifoHolder, REPO_ROOT, withTestEnv, type TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

const VERSION = "0.1.0-upgrade-test";

/** A second build: the bundle, the native outputs and package.json (another version) copied. */
function copyBuild(dir: string): string {
  const root = join(dir, "other-build");
  mkdirSync(join(root, "build"), { recursive: true });
  cpSync(join(REPO_ROOT, "dist/bundle"), join(root, "dist/bundle"), { recursive: true });
  cpSync(join(REPO_ROOT, "build/Release"), join(root, "build/Release"), { recursive: true });
  symlinkSync(join(REPO_ROOT, "node_modules"), join(root, "node_modules"));
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as Record<string, unknown>;
  writeFileSync(join(root, "package.json"), JSON.stringify({ ...pkg, version: VERSION }));
  return join(root, "dist/bundle/cli/main.mjs");
}

/** The bytes waiting in a FIFO (FIONREAD through the addon); opened without blocking. */
function pipeBytes(fifo: string): number {
  const fd = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
  try {
    return native!.pipeBytes(fd);
  } finally {
    closeSync(fd);
  }
}

/** Every generation of a service's stream, oldest first. */
function readStream(env: TestEnv, file: string): string {
  const logs = join(env.stateDir, "logs");
  let text = "";
  for (let k = 9; k >= 1; k--)
    if (existsSync(join(logs, `${file}.${k}`))) text += readFileSync(join(logs, `${file}.${k}`), "utf8");
  return text + (existsSync(join(logs, file)) ? readFileSync(join(logs, file), "utf8") : "");
}

/** The numbers of lines `<word> N`, checked to be 1, 2, 3… with nothing missing or doubled. */
function assertEveryLine(text: string, word: string): number {
  const numbers = text
    .split("\n")
    .filter((line) => line.startsWith(`${word} `))
    .map((line) => Number(line.slice(word.length + 1)));
  numbers.forEach((n, i) => assert.equal(n, i + 1, `${word}: line ${i + 1} is "${word} ${n}"`));
  return numbers.length;
}

test(
  "shutdown --leave-running, then a daemon of another build adopts every service with no lost line",
  {
    skip:
      native === null
        ? "the native addon is not loaded: no FIFO holder keeps output while no daemon runs"
        : false,
  },
  async () => {
    await withTestEnv(async (env) => {
      const pidfile = join(env.dir, "forked.pid");
      env.writeConfig(`
services:
  talker:
    command: ["{fixtures}/counter", "{marker}", "0", "20"]
    logs: { max_size: 100MB }
  whisper:
    command: [sh, -c, 'i=0; while :; do i=$((i+1)); echo "err $i" >&2; sleep 0.005; done', '{marker}']
  forked:
    type: forking
    command: ["{fixtures}/fake-forking-daemon", --pidfile, ${pidfile}, --name, forked-master, "{marker}"]
    pidfile: ${pidfile}
`);
      const first = await env.startDaemon();
      const before = new Map<string, number>();
      for (const name of ["talker", "whisper", "forked"])
        before.set(name, (await env.waitForService(name, "running", `${name} running`)).pid);
      await waitFor(() => readStream(env, "talker.out.log").includes("line 2000\n"), {
        what: "talker to have written 2000 lines",
      });

      const exited = new Promise<number | null>((resolve) => first.once("exit", (code) => resolve(code)));
      const shutdown = env.cli("shutdown", "--leave-running");
      assert.equal(shutdown.code, 0, shutdown.stdout + shutdown.stderr);
      assert.match(shutdown.stdout, /left running/);
      assert.equal(await exited, 0, env.daemonOutput);
      env.daemon = null;
      for (const [name, pid] of before) assert.ok(isAlive(pid), `${name} (PID ${pid}) still runs`);
      const holder = Number(readFileSync(join(env.stateDir, "fifo-holder.pid"), "utf8").split(" ")[0]);
      assert.ok(isFifoHolder(holder) && isAlive(holder), "the FIFO holder still runs");
      // While no daemon reads, the talker fills its pipe and blocks: its output waits there.
      const written = readStream(env, "talker.out.log").length;
      await waitFor(() => pipeBytes(join(env.stateDir, "logs/talker.out.fifo")) > 32 * 1024, {
        what: "the talker's output to wait in its pipe while no daemon reads",
      });

      const cli = copyBuild(env.dir);
      const second = spawn(process.execPath, [cli, "--config", env.configFile, "daemon"], {
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
        env: { ...process.env, UPKEEP_TEST_MARKER: env.marker },
      });
      second.stderr.on("data", (d: Buffer) => (env.daemonOutput += d.toString()));
      env.daemon = second;
      const status = await waitFor(
        async () => {
          const r = await env.api("GET", "/api/v1/status").catch(() => null);
          return r?.status === 200 && r.json.daemon.pid === second.pid ? r.json : null;
        },
        { what: "the daemon of the other build to answer" },
      );
      assert.equal(status.daemon.version, VERSION);
      for (const [name, pid] of before) {
        const s = await env.status(name);
        assert.deepEqual([s.state, s.pid], ["running", pid], `${name} adopted with its PID`);
        const events = await env.events(name);
        assert.ok(
          events.some((e) => e.kind === "adopted"),
          `${name} adopted: ${JSON.stringify(events)}`,
        );
        assert.ok(!events.some((e) => e.kind === "stale"), `${name} has no stale record`);
      }
      const daemonEvents = (await env.api("GET", "/api/v1/events?n=1000")).json.events.filter(
        (e: { kind: string }) => e.kind === "daemon",
      );
      assert.ok(
        daemonEvents.some((e: { reason: string }) =>
          /left running for an upgrade \(3 left running/.test(e.reason),
        ),
        JSON.stringify(daemonEvents),
      );
      await waitFor(() => readStream(env, "talker.out.log").length > written + 200_000, {
        what: "the talker's output after the switch",
      });

      for (const name of ["talker", "whisper"]) assert.equal(env.cli("stop", name).code, 0);
      const lines = assertEveryLine(readStream(env, "talker.out.log"), "line");
      const errs = assertEveryLine(readStream(env, "whisper.err.log"), "err");
      assert.ok(lines > 10_000 && errs > 100, `${lines} and ${errs} lines`);
      const stopped = new Promise<number | null>((resolve) => second.once("exit", (code) => resolve(code)));
      const last = env.cli("shutdown");
      assert.equal(last.code, 0, last.stdout + last.stderr);
      assert.equal(await stopped, 0);
      const left = env.markedPids().map((pid) => `${pid}: ${readFileSync(`/proc/${pid}/cmdline`, "utf8")}`);
      assert.deepEqual(left, [], env.daemonOutput);
    });
  },
);
