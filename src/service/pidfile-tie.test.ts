import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { readProcStat } from "../identity/proc-stat.js";
import { processStartEpochMs, tieByPidfile, WRITE_SLACK_MS } from "./pidfile-tie.js";

async function sleeper(t: TestContext): Promise<number> {
  const child = spawn("sleep", ["60"], { stdio: "ignore" });
  t.after(() => child.kill("SIGKILL"));
  await new Promise((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", reject);
  });
  return child.pid!;
}

function pidfileOf(t: TestContext, pid: number): { path: string; pid: number; uid: number; mtimeMs: number } {
  const dir = mkdtempSync(join(tmpdir(), "upkeep-pidfile-tie-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, "x.pid");
  writeFileSync(path, `${pid}\n`);
  const stats = statSync(path);
  return { path, pid, uid: stats.uid, mtimeMs: stats.mtimeMs };
}

test("a process's start in wall-clock time is within the slack of when it was spawned", async (t) => {
  const before = Date.now();
  const pid = await sleeper(t);
  const started = processStartEpochMs(readProcStat(pid)!);
  assert.ok(
    started >= before - WRITE_SLACK_MS && started <= Date.now() + WRITE_SLACK_MS,
    `${started} vs ${before}`,
  );
});

test("the process that ran before the pidfile was written is tied; one that began after is not", async (t) => {
  const pid = await sleeper(t);
  const write = pidfileOf(t, pid);
  const stat = readProcStat(pid)!;
  const tied = tieByPidfile(write, stat);
  assert.match(tied.tie ?? "", /it was running when pidfile .*x\.pid was last written/);

  const hourAgo = new Date(Date.now() - 3_600_000);
  utimesSync(write.path, hourAgo, hourAgo);
  const reused = tieByPidfile({ ...write, mtimeMs: statSync(write.path).mtimeMs }, stat);
  assert.equal(reused.tie, null);
  assert.match(
    reused.why ?? "",
    new RegExp(`PID ${pid} started .*, after pidfile .*x\\.pid was last written`),
  );
});

test("a pidfile owned by another user than the process's ties nothing; a root-owned one may name anyone's", async (t) => {
  const pid = await sleeper(t);
  const write = pidfileOf(t, pid);
  const stat = readProcStat(pid)!;
  const own = process.getuid?.() ?? 0;
  const stranger = own === 0 ? 65534 : own + 1;
  const foreign = tieByPidfile({ ...write, uid: stranger }, stat);
  assert.equal(foreign.tie, null);
  assert.match(foreign.why ?? "", new RegExp(`owned by uid ${stranger}, and PID ${pid} runs as uid ${own}`));
  assert.notEqual(tieByPidfile({ ...write, uid: 0 }, stat).tie, null);
});
