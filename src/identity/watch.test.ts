import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync, readlinkSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { after, test } from "node:test";
import { waitFor } from "../../test/helpers/wait-for.js";
import { errnoOf } from "../core/errors.js";
import { native } from "../core/native.js";
import { captureIdentity } from "./process-identity.js";
import { createMarker, killMarked, startScript, waitForComm, waitForExit } from "./test-fixtures.js";
import { IdentityWatcher, type GoneReason } from "./watch.js";

const marker = createMarker();
after(() => killMarked(marker));

const NO_ADDON = native === null ? "the native addon is not loaded (pidfds need it)" : false;

/** The pidfds this process holds (entries of /proc/self/fd that link to anon_inode:[pidfd]). */
function countPidfds(): number {
  let count = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === "anon_inode:[pidfd]") count++;
    } catch (err) {
      if (errnoOf(err) !== "ENOENT") throw err; // ENOENT: the listing's own fd, closed by now
    }
  }
  return count;
}

/** A process that is not our child: double-forked, reparented to init (as after a daemon restart). */
async function startOrphan(): Promise<number> {
  const { child, pids } = await startScript(`setsid sleep ${marker} >/dev/null & echo orphan $!; echo ready`);
  await waitForExit(child);
  const pid = pids.get("orphan")!;
  await waitForComm([pid], "sleep");
  return pid;
}

/** Kills a watched orphan and measures how long the watcher takes to say it is gone. */
async function measureDeath(
  intervalMs: number,
  pidfd: boolean,
): Promise<{ why: GoneReason; latencyMs: number }> {
  const pid = await startOrphan();
  const watcher = new IdentityWatcher({ intervalMs, pidfd });
  let deadline: NodeJS.Timeout | undefined;
  const seen = new Promise<{ why: GoneReason; latencyMs: number }>((resolve, reject) => {
    // The watcher's timer is unref()ed: this deadline also keeps the event loop alive meanwhile.
    deadline = setTimeout(() => reject(new Error(`death of PID ${pid} not noticed within 5 s`)), 5000);
    let killedAt = 0;
    watcher.watch(captureIdentity(pid)!, (why) => resolve({ why, latencyMs: performance.now() - killedAt }));
    killedAt = performance.now();
    process.kill(pid, "SIGKILL");
  });
  try {
    return await seen;
  } finally {
    clearTimeout(deadline);
    watcher.close();
  }
}

test(
  "with the addon, a killed process that is not our child is reported at once, with no timer",
  { skip: NO_ADDON },
  async (t) => {
    const pid = await startOrphan();
    // An interval the test would time out long before: only the pidfd can tell in time.
    const watcher = new IdentityWatcher({ intervalMs: 60_000 });
    let seen: { why: GoneReason; latencyMs: number } | null = null;
    let killedAt = 0;
    watcher.watch(captureIdentity(pid)!, (why) => (seen = { why, latencyMs: performance.now() - killedAt }));
    assert.equal(watcher.pollingCount, 0, "watched through its pidfd, not on the timer");
    killedAt = performance.now();
    process.kill(pid, "SIGKILL");
    const { why, latencyMs } = await waitFor(() => seen, {
      what: `the death of PID ${pid} to be reported`,
      timeout: 1000,
      interval: 1,
    });
    t.diagnostic(`death noticed after ${latencyMs.toFixed(2)} ms through the pidfd`);
    assert.equal(why, "gone");
    assert.equal(watcher.size, 0);
    watcher.close();
  },
);

test("on the timer path, a watched process that is not our child is reported gone within one interval", async (t) => {
  const latencies: number[] = [];
  for (let i = 0; i < 3; i++) {
    const { why, latencyMs } = await measureDeath(250, false);
    assert.equal(why, "gone");
    latencies.push(latencyMs);
  }
  t.diagnostic(`death noticed after ${latencies.map((l) => l.toFixed(0)).join(", ")} ms (interval 250 ms)`);
  // One interval, plus slack for a loaded machine.
  assert.ok(Math.max(...latencies) < 250 + 150, latencies.join(","));
});

test("on the timer path, a shorter interval notices a death sooner", async (t) => {
  const { why, latencyMs } = await measureDeath(20, false);
  t.diagnostic(`death noticed after ${latencyMs.toFixed(1)} ms (interval 20 ms)`);
  assert.equal(why, "gone");
  assert.ok(latencyMs < 20 + 150);
});

test("a record whose PID now names another process is reported as reused", async () => {
  const pid = await startOrphan();
  const watcher = new IdentityWatcher({ intervalMs: 60_000 });
  const calls: GoneReason[] = [];
  const id = captureIdentity(pid)!;
  watcher.watch({ ...id, startTime: id.startTime - 1 }, (why) => calls.push(why));
  watcher.watch({ ...id, bootId: "another-boot" }, (why) => calls.push(why));
  watcher.watch(id, (why) => calls.push(why));
  watcher.checkNow();
  assert.deepEqual(calls.sort(), ["other_boot", "reused"]);
  assert.equal(watcher.size, 1, "the live one is still watched");
  watcher.close();
  assert.equal(watcher.size, 0);
});

test("a record that no longer matches when watched is reported soon after without checkNow, and holds no pidfd", async () => {
  const pid = await startOrphan();
  const watcher = new IdentityWatcher({ intervalMs: 60_000 });
  const id = captureIdentity(pid)!;
  const before = countPidfds();
  let seen: GoneReason | null = null;
  watcher.watch({ ...id, startTime: id.startTime - 1 }, (why) => (seen = why));
  assert.equal(seen, null, "told after watch() returns, not inside it");
  assert.equal(countPidfds(), before, "the pidfd of the PID's new holder is closed at once");
  assert.equal(await waitFor(() => seen, { what: "the reused record to be reported" }), "reused");
  assert.equal(watcher.size, 0);
  watcher.close();
});

test("unwatch and close close the pidfds", { skip: NO_ADDON }, async () => {
  const pids = [await startOrphan(), await startOrphan()];
  const watcher = new IdentityWatcher({ intervalMs: 60_000 });
  const before = countPidfds();
  const unwatch = pids.map((pid) => watcher.watch(captureIdentity(pid)!, () => {}));
  assert.equal(countPidfds(), before + 2);
  unwatch[0]!();
  assert.equal(countPidfds(), before + 1, "unwatch closed one");
  watcher.close();
  assert.equal(countPidfds(), before, "close closed the other");
  assert.equal(watcher.size, 0);
});

test("after unwatch the callback is never called", async () => {
  const pid = await startOrphan();
  const watcher = new IdentityWatcher({ intervalMs: 60_000 });
  let called = 0;
  const unwatch = watcher.watch(captureIdentity(pid)!, () => called++);
  unwatch();
  assert.equal(watcher.size, 0);
  process.kill(pid, "SIGKILL");
  await waitFor(() => captureIdentity(pid) === null, { what: "the orphan to die" });
  watcher.checkNow();
  assert.equal(called, 0);
});

test("a throwing callback goes to onError and does not keep others from being told", () => {
  const errors: unknown[] = [];
  const watcher = new IdentityWatcher({ intervalMs: 60_000, onError: (err) => errors.push(err) });
  const gone = { pid: 999_999_999, startTime: 1, bootId: captureIdentity(process.pid)!.bootId };
  let told = 0;
  watcher.watch(gone, () => {
    throw new Error("callback failed");
  });
  watcher.watch(gone, () => told++);
  watcher.checkNow();
  assert.equal(told, 1);
  assert.equal(errors.length, 1);
  assert.equal(watcher.size, 0);
});

for (const pidfd of [true, false]) {
  const title = `the watcher's ${pidfd ? "pidfd poll" : "timer"} does not keep a process alive`;
  test(title, { skip: pidfd ? NO_ADDON : false }, async () => {
    const watchModule = fileURLToPath(new URL("./watch.js", import.meta.url));
    const identityModule = fileURLToPath(new URL("./process-identity.js", import.meta.url));
    const script = `
    const { IdentityWatcher } = await import(${JSON.stringify(watchModule)});
    const { captureIdentity } = await import(${JSON.stringify(identityModule)});
    const watcher = new IdentityWatcher({ intervalMs: 10, pidfd: ${pidfd} });
    watcher.watch(captureIdentity(1), () => {});
    console.log("watching", watcher.pollingCount);`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise((resolve) => child.once("exit", resolve));
    assert.equal(out.trim(), `watching ${pidfd ? 0 : 1}`, "on the pidfd path or on the timer, as asked");
    assert.equal(code, 0, "exited by itself while watching PID 1");
  });
}
