import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

// The one-daemon lock was an abstract socket named from the state dir's path alone: any user
// could bind that name first, and root's daemon then refused to start, "already running (PID 1)"
// (the squatter's own answer), while `check` advised `kill 1`.
// What must never happen again: a process of another user keeps the daemon from starting, or
// gets its word taken for the holder's PID; a second real daemon is still refused, naming the
// first one's PID.
const NOT_ROOT = process.getuid?.() !== 0 ? "needs root to run a squatter as another user (nobody)" : false;
const NOBODY = 65534;
const env = new TestEnv();
const squatters: ChildProcess[] = [];

before(() => env.writeConfig("services: {}\n"));
after(async () => {
  for (const s of squatters) s.kill("SIGKILL");
  await env.teardown();
});

/** A process of user nobody that binds the abstract name and answers every connection "1". */
async function squat(name: string): Promise<ChildProcess> {
  const script = `const n = Buffer.from(process.argv[1], "hex").toString("latin1");
require("node:net").createServer((s) => s.end("1")).listen(n, () => console.log("bound"));`;
  const child = spawn(process.execPath, ["-e", script, Buffer.from(name, "latin1").toString("hex")], {
    uid: NOBODY,
    gid: NOBODY,
    cwd: "/",
    stdio: ["ignore", "pipe", "inherit"],
  });
  squatters.push(child);
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  await waitFor(() => out.includes("bound") || child.exitCode !== null, { what: "the squatter to bind" });
  assert.equal(child.exitCode, null, "the squatter bound the name");
  return child;
}

/** This state dir's lock names in /proc/net/unix ('@' for the NUL; other tests' are left out). */
function listeningNames(): string[] {
  const prefix = `@upkeep-lock-${createHash("sha256").update(env.stateDir).digest("hex").slice(0, 16)}-`;
  return readFileSync("/proc/net/unix", "latin1")
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length === 8 && (parseInt(f[3] ?? "0", 16) & 0x10000) !== 0)
    .map((f) => (f[7] ?? "").replace(/@+$/, "")) // Node pads abstract names with NULs
    .filter((path) => path.startsWith(prefix));
}

async function stopDaemon(): Promise<void> {
  const child = env.daemon!;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
  env.daemon = null;
}

test(
  "the daemon starts although another user bound the old path-derived lock name",
  { skip: NOT_ROOT },
  async () => {
    const old = `\0upkeep-lock-${createHash("sha256").update(env.stateDir).digest("hex").slice(0, 32)}`;
    await squat(old);
    await env.startDaemon();
    assert.equal((await env.api("GET", "/api/v1/status")).status, 200);
  },
);

test("a second daemon exits 1 naming the running daemon's PID", async () => {
  if (env.daemon === null) await env.startDaemon();
  const r = env.cli("daemon");
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`already running \\(PID ${env.daemon!.pid}\\)`));
});

test(
  "a lock name learned from /proc/net/unix and bound while no daemon runs does not block the next",
  { skip: NOT_ROOT },
  async () => {
    if (env.daemon === null) await env.startDaemon();
    const before = listeningNames();
    assert.ok(before.length > 0, "the daemon's lock name is visible in /proc/net/unix");
    await stopDaemon();
    for (const name of before) await squat(`\0${name.slice(1)}`);

    // With the daemon down and its name squatted, `check` names no PID and advises no kill.
    const check = env.cli("check");
    assert.doesNotMatch(check.stdout + check.stderr, /kill|PID 1\b/, check.stdout);

    await env.startDaemon();
    assert.match(env.daemonOutput, /held by a process not of uid 0; moving to a new secret name/);
    const r = env.cli("daemon");
    assert.equal(r.code, 1, "the new daemon holds the lock against a second one");
    assert.match(r.stderr, new RegExp(`already running \\(PID ${env.daemon!.pid}\\)`));
  },
);
