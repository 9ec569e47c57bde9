import { writeSync } from "node:fs";
/**
 * Shared by the tests of src/logs (not used by upkeep itself): temp logs dirs, services that
 * write through a ServiceLog's FIFOs, and the exit handling the daemon does (drain, then marker).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ServiceLog } from "./service-log.js";

/** A fresh temp dir and its removal. */
export function makeTempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `upkeep-logs-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Spawns `argv` with the log's FIFOs as stdout and stderr, as the runner does. */
export function spawnService(
  log: ServiceLog,
  argv: string[],
  stdin: "ignore" | "pipe" = "ignore",
): ChildProcess {
  const stdio = log.childStdio();
  try {
    return spawn(argv[0]!, argv.slice(1), { stdio: [stdin, stdio.out, stdio.err] });
  } finally {
    log.releaseChildStdio();
  }
}

/** Resolves with the exit code once the child exited, after draining and marking it as the daemon does. */
export function exited(log: ServiceLog, child: ChildProcess): Promise<number | null> {
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      log.drainNow();
      log.marker(signal ? `killed by ${signal}` : `exited with code ${code}`);
      resolve(code);
    });
  });
}

/** Runs a node one-liner as a service to its end; returns its exit code. */
export async function runNode(log: ServiceLog, script: string): Promise<number | null> {
  const child = spawnService(log, [process.execPath, "-e", script]);
  log.marker(`started PID ${child.pid}`);
  return exited(log, child);
}

/** Kills a child if it still runs (test teardown). */
export function killIfRunning(child: ChildProcess | undefined): void {
  if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}

/**
 * A log in a fresh temp dir plus a writer into its FIFOs: each say() is one captured chunk.
 * Its close and the dir's removal are pushed onto `cleanups`.
 */
export function openTestLog(
  prefix: string,
  maxSizeBytes: number,
  keep: number,
  cleanups: (() => void)[],
): { dir: string; log: ServiceLog; say: (stream: "out" | "err", text: string) => void } {
  const { dir, cleanup } = makeTempDir(prefix);
  const log = ServiceLog.open({ logsDir: dir, service: "web", maxSizeBytes, keep });
  cleanups.push(() => log.close(), cleanup);
  const fds = log.childStdio();
  const say = (stream: "out" | "err", text: string): void => {
    writeSync(fds[stream], text);
    log.drainNow();
  };
  return { dir, log, say };
}
