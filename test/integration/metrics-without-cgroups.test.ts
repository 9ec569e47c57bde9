import assert from "node:assert/strict";
import { request } from "node:http";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { READING_TTL_MS } from "../../src/api/metrics/tree-usage.js";
import { CLOCK_TICKS, readProcStat } from "../../src/identity/proc-stat.js";
import { scanProcesses } from "../../src/identity/process-table.js";
import { TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

// Without cgroups the daemon follows each tree's CPU in /proc (src/api/metrics/tree-cpu.ts).
// A service whose main process keeps forking short-lived children has most of its CPU time in
// the main process's cutime (children it reaped): counted once, neither lost nor doubled, and
// the counter never goes down when the main process dies and a new one starts.

function metricsText(env: TestEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: join(env.stateDir, "upkeep.sock"), path: "/metrics" }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("end", () => resolve(text));
    });
    req.on("error", reject);
    req.end();
  });
}

async function cpuOf(env: TestEnv, service: string): Promise<number> {
  const text = await metricsText(env);
  const match = new RegExp(`^upkeep_service_cpu_seconds_total\\{service="${service}"\\} (\\S+)$`, "m").exec(
    text,
  );
  assert.ok(match, `no CPU counter for ${service} in:\n${text}`);
  return Number(match[1]);
}

/**
 * CPU seconds of the main process (its own and its reaped children's) and of its live
 * children. `childrenFirst` orders the reads so that a child reaped between them is counted
 * twice (an upper bound) rather than not at all (a lower bound).
 */
function treeSeconds(mainPid: number, childrenFirst: boolean): number {
  const ticks = (s: {
    utimeTicks: number;
    stimeTicks: number;
    cutimeTicks: number;
    cstimeTicks: number;
  }): number => s.utimeTicks + s.stimeTicks + s.cutimeTicks + s.cstimeTicks;
  const readMain = (): number => ticks(readProcStat(mainPid)!);
  const readChildren = (): number =>
    scanProcesses()
      .filter((s) => s.ppid === mainPid)
      .reduce((sum, s) => sum + ticks(s), 0);
  const total = childrenFirst ? readChildren() + readMain() : readMain() + readChildren();
  return total / CLOCK_TICKS;
}

describe("metrics without cgroups", () => {
  const env = new TestEnv();
  before(async () => {
    process.env["UPKEEP_CGROUPS"] = "0"; // the daemon inherits it: services run without cgroups
    env.writeConfig(`
services:
  forker:
    command: [sh, -c, "while :; do sh -c 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done'; done", "{marker}"]
`);
    await env.startDaemon();
  });
  after(async () => {
    delete process.env["UPKEEP_CGROUPS"];
    await env.teardown();
  });

  test("a main process's reaped children are counted once, and a restart takes nothing back", async () => {
    const first = await env.waitForService("forker", "running", "forker running");
    await cpuOf(env, "forker"); // the first reading starts the counter
    for (let i = 0; i < 4; i++) {
      // A reading serves READING_TTL_MS: wait past it, so the next scrape reads /proc afresh.
      await delay(READING_TTL_MS + 100);
      const low = treeSeconds(first.pid, false);
      const counted = await cpuOf(env, "forker");
      const high = treeSeconds(first.pid, true);
      // One clock tick of slack each way: the daemon and the test read the same ticks.
      assert.ok(counted >= low - 0.01, `counted ${counted} s, the tree had used at least ${low} s`);
      assert.ok(
        counted <= high + 0.01,
        `counted ${counted} s, more than the tree's ${high} s: time counted twice`,
      );
    }
    const before = await waitFor(
      async () => {
        const seconds = await cpuOf(env, "forker");
        return seconds >= 0.2 ? seconds : null;
      },
      {
        what: "forker's counter to pass 0.2 s",
        timeout: 20_000,
        interval: 200,
      },
    );
    process.kill(first.pid, "SIGKILL");
    await env.waitForService("forker", "running", "forker running again", first.pid);
    await delay(READING_TTL_MS + 100); // past the reading of the old process
    const afterRestart = await cpuOf(env, "forker");
    assert.ok(afterRestart >= before, `the counter went from ${before} down to ${afterRestart}`);
  });
});
