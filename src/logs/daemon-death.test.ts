import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { closeSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { waitFor } from "../../test/helpers/wait-for.js";
import { native, nativeLoadError } from "../core/native.js";
import { openChildEnd } from "./fifo.js";
import { fifoPath } from "./log-files.js";
import { ServiceLog, prepareServiceFiles } from "./service-log.js";
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

// A reader of its own (the daemon's part: a ServiceLog) that the test kills with SIGKILL while
// the service writes at full speed, so that the kill lands while chunks are on their way.
const READER = `import { ServiceLog } from ${JSON.stringify(join(fileURLToPath(new URL(".", import.meta.url)), "service-log.js"))};
ServiceLog.open({ logsDir: process.argv[1], service: "svc", maxSizeBytes: 1 << 30, keep: 1 });
console.log("reading");`;

const WRITER = `const fs = require("fs");
let i = 0;
for (;;) {
  let batch = ""; // 100 lines, below PIPE_BUF: each write lands whole
  for (let k = 0; k < 100; k++) batch += "line " + ++i + "\\n";
  fs.writeSync(1, batch);
}`;

test(
  "daemons killed by SIGKILL in the middle of a stream of output lose no line and reorder none",
  { skip: native === null ? `the native addon is not loaded: ${nativeLoadError}` : false },
  async () => {
    const { dir, cleanup } = makeTempDir("midstream");
    cleanups.push(cleanup);
    await Promise.all(prepareServiceFiles(dir, ["svc"]).values());
    // The test keeps its copy of the service's end: with the writer killed below and no
    // reader alive, the last descriptor of the FIFO would close and the kernel would free
    // the pipe with what it holds (see docs/logs.md, "Limits worth knowing").
    const out = openChildEnd(fifoPath(dir, "svc", "out"));
    cleanups.unshift(() => closeSync(out));
    const writer = spawn(process.execPath, ["-e", WRITER], { stdio: ["ignore", out, "ignore"] });
    cleanups.unshift(() => killIfRunning(writer));
    const file = join(dir, "svc.out.log");
    const size = (): number => (existsSync(file) ? statSync(file).size : 0);
    for (let kill = 0; kill < 20; kill++) {
      const reader = spawn(process.execPath, ["--input-type=module", "-e", READER, dir], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      cleanups.unshift(() => killIfRunning(reader));
      let printed = "";
      reader.stdout.on("data", (chunk: Buffer) => (printed += chunk.toString()));
      await waitFor(() => printed.includes("reading"), { what: `reader ${kill + 1} started` });
      const before = size();
      // Killed while it moves output: the file has grown since it started.
      await waitFor(() => size() > before + 64 * 1024, {
        what: `reader ${kill + 1} captured output`,
        interval: 1,
      });
      const killed = new Promise((resolve) => reader.once("exit", resolve));
      reader.kill("SIGKILL");
      await killed;
    }
    writer.kill("SIGKILL");
    await new Promise((resolve) =>
      writer.exitCode !== null || writer.signalCode !== null ? resolve(null) : writer.once("exit", resolve),
    );
    const log = ServiceLog.open({ logsDir: dir, service: "svc", maxSizeBytes: 1 << 30, keep: 1 });
    log.drainNow();
    log.close();
    const lines = readFileSync(file, "utf8").split("\n");
    assert.equal(lines.pop(), "", "the output ends with a whole line");
    assert.ok(lines.length > 20 * 5000, `output flowed throughout (${lines.length} lines)`);
    lines.forEach((line, i) => {
      if (line !== `line ${i + 1}`)
        assert.fail(`line ${i + 1} is ${JSON.stringify(line)}: lost or out of order`);
    });
  },
);
