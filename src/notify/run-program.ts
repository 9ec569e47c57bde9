/**
 * Runs a notifier program (an exec channel, sendmail) with its input on stdin, in a process
 * group of its own, and a deadline: past it, or when the caller aborts, the whole group gets
 * SIGKILL (a script that forked `curl` must not leave it behind). It never blocks the daemon:
 * everything is asynchronous, and what it prints is kept only up to a small bound.
 */
import { spawn } from "node:child_process";

/** What of stderr is kept for the error message. */
const STDERR_KEPT = 2048;

export interface ProgramRun {
  argv: string[];
  input: string | Buffer;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  signal?: AbortSignal;
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch (err) {
    // ESRCH: the group is gone already (it ended just now): nothing left to kill.
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
  }
}

/** Resolves when the program exits 0; rejects with what went wrong (exit code, signal, timeout). */
export function runProgram(run: ProgramRun): Promise<void> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = run.argv;
    if (file === undefined) return reject(new Error("no program to run"));
    const child = spawn(file, args, { stdio: ["pipe", "ignore", "pipe"], detached: true, env: run.env });
    let stderr = "";
    let outcome: string | null = null;
    const finish = (error: string | null): void => {
      clearTimeout(timer);
      run.signal?.removeEventListener("abort", onAbort);
      if (error === null) resolve();
      else reject(new Error(error));
    };
    const stop = (why: string): void => {
      outcome ??= why;
      killGroup(child.pid);
    };
    const onAbort = (): void => stop("stopped: the daemon is shutting down");
    const timer = setTimeout(
      () => stop(`timed out after ${run.timeoutMs} ms (its process group was killed)`),
      run.timeoutMs,
    );
    run.signal?.addEventListener("abort", onAbort, { once: true });
    if (run.signal?.aborted) onAbort();
    child.stderr.on("data", (chunk: Buffer) => {
      if (stderr.length < STDERR_KEPT) stderr += chunk.toString("utf8").slice(0, STDERR_KEPT - stderr.length);
    });
    // A program that does not read its stdin closes the pipe: EPIPE is its choice, not a fault.
    child.stdin.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "EPIPE") stop(`writing its stdin failed: ${err.message}`);
    });
    child.stdin.end(run.input);
    child.on("error", (err) => finish(`${file} could not be started: ${err.message}`));
    child.on("close", (code, signal) => {
      const said = stderr.trim() === "" ? "" : `: ${stderr.trim().split("\n").slice(-3).join(" / ")}`;
      if (outcome !== null) return finish(`${file} ${outcome}${said}`);
      if (code === 0) return finish(null);
      const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
      finish(`${file} ${how}${said}`);
    });
  });
}
