import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { after, test } from "node:test";
import { FIXTURES, TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

// 100 SIGHUPs in under a second, with the config changing between them, ran reloads on top of
// one another: a configured service went missing, removed ones stayed, two were shown `failed`
// while their processes ran untracked (and survived `shutdown`), and `--dry-run` said nothing
// would change. What must never happen again: a burst of reloads leaves the running set other
// than the config says, or a process upkeep does not track.
const env = new TestEnv();
after(() => env.teardown());

/** A config of the services `names`, each a ticker with an env value that changes per variant. */
function configOf(names: string[], variant: number): string {
  const services = names.map(
    (n) =>
      `  ${n}:\n    command: ["${FIXTURES}/ticker", "${env.marker}", "0.5"]\n    env: { VARIANT: "${variant % 3}" }\n`,
  );
  return `state_dir: ./state\nhttp: false\nservices:\n${services.join("")}`;
}

const SETS = [
  ["a", "b", "c", "d"],
  ["b", "c", "e", "f"],
  ["a", "e", "g"],
  ["c", "d", "f", "g", "h"],
];

test("100 SIGHUPs with a changing config: the set that runs is the last config's, every process tracked", async () => {
  writeFileSync(env.configFile, configOf(SETS[0]!, 0));
  const daemon = await env.startDaemon();
  for (let i = 1; i <= 100; i++) {
    writeFileSync(env.configFile, configOf(SETS[i % SETS.length]!, i));
    daemon.kill("SIGHUP");
    await new Promise((r) => setTimeout(r, 8)); // the storm's pace: ~100 signals in 0.9 s
  }
  const last = SETS[100 % SETS.length]!;
  let seen = "";
  const settled = await waitFor(
    async () => {
      const r = await env.api("GET", "/api/v1/status");
      const services = r.json.services as { name: string; state: string; pid: number | null }[];
      const names = services.map((s) => s.name).sort();
      const running = services.every((s) => s.state === "running" && s.pid !== null);
      seen = JSON.stringify(services.map((s) => [s.name, s.state, s.pid]));
      if (JSON.stringify(names) !== JSON.stringify([...last].sort()) || !running) return null;
      // Every process of the test is a tracked service process (or one of its `sleep` children).
      const tracked = new Set([daemon.pid ?? null, ...services.map((s) => s.pid)]);
      const untracked = env.markedPids().filter((pid) => !tracked.has(pid) && !isChildOfAny(pid, tracked));
      seen += ` untracked: ${untracked.map(describePid).join(", ")}`;
      return untracked.length === 0 ? services : null;
    },
    { what: `exactly ${last.join(", ")} running, and no untracked process`, timeout: 30_000, interval: 100 },
  ).catch((err: Error) => assert.fail(`${err.message}; last seen: ${seen}`));
  assert.equal(settled.length, last.length);
  const dry = env.cli("reload-config", "--dry-run", "--json");
  assert.equal(dry.code, 0, dry.stderr);
  const plan = JSON.parse(dry.stdout).plan;
  assert.deepEqual([plan.add, plan.remove, plan.restart], [[], [], []], dry.stdout);
});

function isChildOfAny(pid: number, parents: Set<number | null>): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    return parents.has(ppid);
  } catch {
    return true; // gone meanwhile: not a leftover
  }
}

function describePid(pid: number): string {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
    const service = /UPKEEP_SERVICE=([^\0]*)/.exec(readFileSync(`/proc/${pid}/environ`, "utf8"))?.[1];
    return `${pid} (${service ?? "?"}: ${argv.trim()})`;
  } catch {
    return `${pid} (gone)`;
  }
}
