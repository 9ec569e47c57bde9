import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import {
  CLOCK_TICKS,
  PAGE_SIZE,
  environContains,
  environValue,
  parseProcStat,
  parseProcStatBytes,
  readCmdline,
  readProcStat,
} from "./proc-stat.js";
import { createMarker, killMarked, waitForExit } from "./test-fixtures.js";
import { waitFor } from "../../test/helpers/wait-for.js";

const marker = createMarker();
const dir = mkdtempSync(join(tmpdir(), "upkeep-proc-stat-"));
after(async () => {
  await killMarked(marker);
  rmSync(dir, { recursive: true, force: true });
});

test("readProcStat reads this process: pid, parent, group, session, running state", () => {
  const stat = readProcStat(process.pid);
  assert.ok(stat);
  assert.equal(stat.pid, process.pid);
  assert.equal(stat.ppid, process.ppid);
  assert.equal(stat.comm, readFileSync("/proc/self/comm", "utf8").trim());
  assert.equal(stat.state, "R"); // we are running while we read it
  // 0 is what the kernel shows when the group or session leader lives outside our PID
  // namespace (a container, CI): any other value is a real PID.
  assert.ok(stat.pgid >= 0 && stat.sid >= 0);
  assert.ok(stat.rssPages * PAGE_SIZE > 10 * 1024 * 1024, "node uses more than 10 MB");
  assert.ok(stat.vsizeBytes > stat.rssPages * PAGE_SIZE);
  const uptimeTicks = Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]) * CLOCK_TICKS;
  assert.ok(stat.startTime > 0 && stat.startTime <= uptimeTicks + 1, "start time is ticks since boot");
});

test("readProcStat parses after the last ')' when the command name holds spaces and parentheses", async () => {
  const odd = join(dir, "a) (b c)");
  copyFileSync("/bin/sleep", odd);
  const child = spawn(odd, [marker], { stdio: "ignore" });
  try {
    const stat = readProcStat(child.pid!);
    assert.ok(stat);
    assert.equal(stat.comm, "a) (b c)");
    assert.equal(stat.ppid, process.pid);
    assert.equal(stat.pgid, readProcStat(process.pid)!.pgid);
  } finally {
    child.kill("SIGKILL");
    await waitForExit(child);
  }
});

test("readProcStat reads the group and session of a child in its own session (as services run)", async () => {
  const child = spawn("sleep", [marker], { stdio: "ignore", detached: true });
  try {
    const stat = readProcStat(child.pid!);
    assert.ok(stat);
    assert.equal(stat.pgid, child.pid);
    assert.equal(stat.sid, child.pid);
  } finally {
    child.kill("SIGKILL");
    await waitForExit(child);
  }
});

test("parseProcStat rejects a line without fields after the name", () => {
  assert.equal(parseProcStat("12 (x) S 1"), null);
  assert.equal(parseProcStat("garbage"), null);
});

test("readProcStat and readCmdline return null once the process is gone", async () => {
  const child = spawn("sleep", [marker], { stdio: "ignore" });
  const pid = child.pid!;
  assert.deepEqual(readCmdline(pid), ["sleep", marker]);
  child.kill("SIGKILL");
  await waitForExit(child);
  assert.equal(readProcStat(pid), null);
  assert.equal(readCmdline(pid), null);
});

test("readCmdline gives [] for a kernel thread", () => {
  assert.deepEqual(readCmdline(2), []);
});

test("CLOCK_TICKS and PAGE_SIZE come from the auxiliary vector (100 and 4096 on x86_64)", () => {
  assert.equal(CLOCK_TICKS, 100);
  assert.equal(PAGE_SIZE, 4096);
});

test("environContains matches a whole NAME=value entry only", async () => {
  const child = spawn("sleep", [marker], { stdio: "ignore", env: { A: "1", UPKEEP_RUN_ID: "abc", Z: "2" } });
  try {
    assert.ok(environContains(child.pid!, "UPKEEP_RUN_ID=abc"));
    assert.ok(environContains(child.pid!, "A=1"), "first entry");
    assert.ok(environContains(child.pid!, "Z=2"), "last entry");
    assert.ok(!environContains(child.pid!, "UPKEEP_RUN_ID=ab"), "prefix of the value");
    assert.ok(!environContains(child.pid!, "RUN_ID=abc"), "suffix of the name");
  } finally {
    child.kill("SIGKILL");
    await waitForExit(child);
  }
  assert.ok(!environContains(child.pid!, "UPKEEP_RUN_ID=abc"), "gone process");
});

test("environValue reads one variable of a process's initial environment", async () => {
  const child = spawn("sleep", ["30"], {
    stdio: "ignore",
    env: { A_FIRST: "1", UPKEEP_RUN_ID: "run-42", Z: "z" },
  });
  try {
    await waitFor(() => readProcStat(child.pid!)?.comm === "sleep", { what: "the child to exec sleep" });
    assert.equal(environValue(child.pid!, "UPKEEP_RUN_ID="), "run-42");
    assert.equal(environValue(child.pid!, "A_FIRST="), "1");
    assert.equal(environValue(child.pid!, "RUN_ID="), null, "only whole names match");
    assert.equal(environValue(child.pid!, "MISSING="), null);
  } finally {
    child.kill("SIGKILL");
    await waitForExit(child);
  }
});

test("the byte parser reads every field as the text parser does, for every process here and odd names", () => {
  const lines: string[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      lines.push(readFileSync(`/proc/${entry}/stat`, "utf8"));
    } catch {
      // gone meanwhile
    }
  }
  const tail = " S 1 2 3 0 -1 4194560 10 0 0 0 7 8 9 10 20 -5 1 0 123456 9999 42 18446744073709551615";
  for (const comm of ["a) (b", "x y", ")", "(", "élan", "sh) S 1 2 3", ""])
    lines.push(`77 (${comm})${tail}\n`);
  lines.push("12 (x) S 1", "garbage", "5 (y) S 1 2 3 x 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22\n");
  assert.ok(lines.length > 10);
  for (const line of lines) {
    const bytes = Buffer.from(line);
    assert.deepEqual(parseProcStatBytes(bytes, bytes.length), splitParse(line), line);
  }
});

/** The text parser the byte parser replaced (split on spaces after the last ')'): the oracle. */
function splitParse(text: string): ReturnType<typeof parseProcStat> {
  // comm is inside parentheses and may itself contain ") (": the fields resume after the LAST ')'.
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return null;
  const rest = text
    .slice(close + 2)
    .trim()
    .split(" ");
  // rest[0] is field 3 (state), so field N is rest[N - 3].
  const field = (n: number): number => Number(rest[n - 3]);
  if (rest.length < 22) return null;
  return {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    state: rest[0] ?? "?",
    ppid: field(4),
    pgid: field(5),
    sid: field(6),
    utimeTicks: field(14),
    stimeTicks: field(15),
    cutimeTicks: field(16),
    cstimeTicks: field(17),
    startTime: field(22),
    vsizeBytes: field(23),
    rssPages: field(24),
  };
}
