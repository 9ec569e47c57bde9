import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { waitFor } from "../../test/helpers/wait-for.js";
import { ServiceLog } from "./service-log.js";
import { killIfRunning, makeTempDir, spawnService } from "./service-fixtures.js";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

/** The writer is blocked in write(2) on a full pipe. */
function blockedOnPipe(pid: number): boolean {
  return readFileSync(`/proc/${pid}/wchan`, "utf8").includes("pipe_write");
}

/** The process is gone or a zombie (its parent died, so nobody may reap it soon). */
function ended(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.startsWith("Z");
  } catch {
    return true; // no /proc entry: the process is gone
  }
}

/** Reads the log's lines and checks they are `prefix 1` … `prefix total`, each once, in order. */
function assertAllLines(file: string, prefix: string, total: number): void {
  const lines = readFileSync(file, "utf8").split("\n");
  assert.equal(lines.pop(), "");
  assert.equal(lines.length, total);
  lines.forEach((line, i) => {
    if (line !== `${prefix} ${i + 1}`) assert.fail(`line ${i + 1} is ${JSON.stringify(line)}`);
  });
}

test("a service keeps writing while no daemon reads; the next reader gets every line in order", async () => {
  const { dir, cleanup } = makeTempDir("closed");
  cleanups.push(cleanup);
  const log = ServiceLog.open({ logsDir: dir, service: "batch", maxSizeBytes: 64 << 20, keep: 1 });
  cleanups.unshift(() => log.close());
  const total = 60_000; // about 650 KiB: far more than the 64 KiB a pipe holds
  const child = spawnService(log, [
    process.execPath,
    "-e",
    `const fs = require("fs"); for (let i = 1; i <= ${total}; i++) fs.writeSync(1, "line " + i + "\\n");`,
  ]);
  cleanups.unshift(() => killIfRunning(child));
  const exit = new Promise((resolve) => child.once("exit", resolve));
  await waitFor(() => readFileSync(log.files.out).length > 0, { what: "first output captured" });
  log.close(); // the daemon "dies": nobody reads the FIFO now
  await waitFor(() => blockedOnPipe(child.pid!), { what: "the writer blocked on the full pipe" });
  assert.equal(child.exitCode, null, "the writer is neither killed nor failing: it waits");
  const reopened = ServiceLog.open({ logsDir: dir, service: "batch", maxSizeBytes: 64 << 20, keep: 1 });
  cleanups.unshift(() => reopened.close());
  await exit;
  reopened.drainNow();
  assert.equal(child.exitCode, 0);
  assertAllLines(reopened.files.out, "line", total);
});

// A daemon of its own (a node process holding a ServiceLog) is killed with SIGKILL while its
// service is idle; the service then writes more than a pipe holds, and a new daemon drains it.
const DAEMON = `import { spawn } from "node:child_process";
import { ServiceLog } from ${JSON.stringify(join(fileURLToPath(new URL(".", import.meta.url)), "service-log.js"))};
const [logsDir, go] = process.argv.slice(1);
const log = ServiceLog.open({ logsDir, service: "svc", maxSizeBytes: 64 << 20, keep: 1 });
const stdio = log.childStdio();
const service = spawn(process.execPath, ["-e", \`
  const fs = require("fs");
  for (let i = 1; i <= 1000; i++) fs.writeSync(1, "line " + i + "\\\\n");
  const wait = () => (fs.existsSync(\${JSON.stringify(go)}) ? more() : setTimeout(wait, 5));
  const more = () => { for (let i = 1001; i <= 30000; i++) fs.writeSync(1, "line " + i + "\\\\n"); };
  wait();\`], { stdio: ["ignore", stdio.out, stdio.err] });
log.releaseChildStdio();
console.log(service.pid);`;

test("a daemon killed by SIGKILL loses no output: the next one drains what the service wrote meanwhile", async () => {
  const { dir, cleanup } = makeTempDir("sigkill");
  cleanups.push(cleanup);
  const go = join(dir, "go");
  const daemon = spawn(process.execPath, ["--input-type=module", "-e", DAEMON, dir, go], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  cleanups.unshift(() => killIfRunning(daemon));
  let printed = "";
  daemon.stdout.on("data", (chunk: Buffer) => (printed += chunk.toString()));
  const pid = Number(await waitFor(() => /^\d+\n/.exec(printed)?.[0], { what: "the service's PID" }));
  cleanups.unshift(() => {
    if (!ended(pid)) process.kill(pid, "SIGKILL");
  });
  const out = join(dir, "svc.out.log");
  await waitFor(() => readFileSync(out, "utf8").endsWith("line 1000\n"), {
    what: "the first batch captured",
  });
  const killed = new Promise((resolve) => daemon.once("exit", resolve));
  daemon.kill("SIGKILL");
  await killed;
  writeFileSync(go, "");
  await waitFor(() => blockedOnPipe(pid), { what: "the service blocked on the full pipe" });
  const log = ServiceLog.open({ logsDir: dir, service: "svc", maxSizeBytes: 64 << 20, keep: 1 });
  cleanups.unshift(() => log.close());
  await waitFor(() => ended(pid), { what: "the service finished" });
  log.drainNow();
  assertAllLines(out, "line", 30_000);
});
