import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { after, test } from "node:test";
import { waitFor } from "../../test/helpers/wait-for.js";
import { captureIdentity } from "./process-identity.js";
import { createMarker, killMarked, startScript, waitForComm, waitForExit } from "./test-fixtures.js";
import { IdentityWatcher, type GoneReason } from "./watch.js";

const marker = createMarker();
after(() => killMarked(marker));

/** A process that is not our child: double-forked, reparented to init (as after a daemon restart). */
async function startOrphan(): Promise<number> {
  const { child, pids } = await startScript(`setsid sleep ${marker} >/dev/null & echo orphan $!; echo ready`);
  await waitForExit(child);
  const pid = pids.get("orphan")!;
  await waitForComm([pid], "sleep");
  return pid;
}

/** Kills a watched orphan and measures how long the watcher takes to say it is gone. */
async function measureDeath(intervalMs: number): Promise<{ why: GoneReason; latencyMs: number }> {
  const pid = await startOrphan();
  const watcher = new IdentityWatcher({ intervalMs });
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

test("a watched process that is not our child is reported gone within one interval", async (t) => {
  const latencies: number[] = [];
  for (let i = 0; i < 3; i++) {
    const { why, latencyMs } = await measureDeath(250);
    assert.equal(why, "gone");
    latencies.push(latencyMs);
  }
  t.diagnostic(`death noticed after ${latencies.map((l) => l.toFixed(0)).join(", ")} ms (interval 250 ms)`);
  // One interval, plus slack for a loaded machine.
  assert.ok(Math.max(...latencies) < 250 + 150, latencies.join(","));
});

test("a shorter interval notices a death sooner", async (t) => {
  const { why, latencyMs } = await measureDeath(20);
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

test("the watcher's timer does not keep a process alive", async () => {
  const watchModule = fileURLToPath(new URL("./watch.js", import.meta.url));
  const identityModule = fileURLToPath(new URL("./process-identity.js", import.meta.url));
  const script = `
    const { IdentityWatcher } = await import(${JSON.stringify(watchModule)});
    const { captureIdentity } = await import(${JSON.stringify(identityModule)});
    new IdentityWatcher({ intervalMs: 10 }).watch(captureIdentity(1), () => {});
    console.log("watching");`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise((resolve) => child.once("exit", resolve));
  assert.equal(out.trim(), "watching");
  assert.equal(code, 0, "exited by itself while watching PID 1");
});
