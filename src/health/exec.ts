/**
 * The exec probe: a command (argv, never a shell) exits with 0 within the timeout. It runs in
 * a session and process group of its own (detached), so that a timeout or an abort can SIGKILL
 * the whole group, helpers it started included; the verdict waits for the exit, so that no
 * probe is left running when the next one starts. Its first 200 bytes of stderr go into the
 * detail of a failure; stdin and stdout are /dev/null.
 */
import { spawn, type ChildProcess } from "node:child_process";
import type { ProbeSpec } from "../config/model.js";
import { formatDuration } from "../core/duration.js";
import { isErrno } from "../core/errors.js";
import { ABORTED, describeError, type ProbeContext, type ProbeOutcome } from "./probe-outcome.js";

const STDERR_BYTES = 200;
/** After the exit, how long stderr may still deliver what is in its pipe. */
const STDERR_DRAIN_MS = 100;
const SHOWN_ARGV_CHARS = 80;

/** Runs the command once; never rejects. */
export function probeExec(
  spec: Extract<ProbeSpec, { kind: "exec" }>,
  context: ProbeContext,
): Promise<ProbeOutcome> {
  const argv = spec.command;
  const shown = argv.join(" ");
  const subject = `exec [${shown.length > SHOWN_ARGV_CHARS ? `${shown.slice(0, SHOWN_ARGV_CHARS)}…` : shown}]`;
  if (argv.length === 0) return Promise.resolve({ ok: false, detail: `${subject}: no command` });
  if (context.signal?.aborted) return Promise.resolve(ABORTED);
  const start = `${subject}: cannot start ${argv[0]}${context.cwd === undefined ? "" : ` in ${context.cwd}`}`;
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      // child_process.spawn forks on the loop thread (a few ms for a big daemon); it does not
      // wait for the command itself.
      child = spawn(argv[0]!, argv.slice(1), {
        cwd: context.cwd,
        env: context.env,
        stdio: ["ignore", "ignore", "pipe"],
        detached: true,
        ...(context.uid === undefined ? {} : { uid: context.uid }),
        ...(context.gid === undefined ? {} : { gid: context.gid }),
      });
    } catch (err) {
      resolve({ ok: false, detail: `${start}: ${describeError(err)}` });
      return;
    }
    const stderr: Buffer[] = [];
    let stderrBytes = 0;
    // Read on to the end (a full pipe would block the command), keep only the start.
    child.stderr?.on("data", (chunk: Buffer) => {
      if (stderrBytes < STDERR_BYTES) stderr.push(chunk.subarray(0, STDERR_BYTES - stderrBytes));
      stderrBytes += chunk.length;
    });
    // A read error only costs the detail its stderr part; the exit still decides.
    child.stderr?.on("error", (err) => void err);
    let killedFor: ProbeOutcome | null = null;
    let exited = false;
    let drainTimer: NodeJS.Timeout | null = null;
    const killFor = (outcome: ProbeOutcome): void => {
      if (killedFor !== null || exited) return;
      killedFor = outcome;
      killGroup(child);
    };
    const timer = setTimeout(
      () =>
        killFor({
          ok: false,
          detail: `${subject}: killed after ${formatDuration(context.timeoutMs)} timeout`,
        }),
      context.timeoutMs,
    );
    const onAbort = (): void => killFor(ABORTED);
    context.signal?.addEventListener("abort", onAbort, { once: true });
    let settled = false;
    const settle = (outcome: ProbeOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (drainTimer !== null) clearTimeout(drainTimer);
      context.signal?.removeEventListener("abort", onAbort);
      child.stderr?.destroy();
      resolve(outcome);
    };
    // The spawn failed (ENOENT, EACCES, a bad cwd): there is no process and no exit.
    child.once("error", (err) => settle({ ok: false, detail: `${start}: ${describeError(err)}` }));
    child.once("exit", () => {
      exited = true;
      // What the command started and left in its group goes with it. Node emits "exit" right
      // after reaping the leader; the group's ID cannot be taken by another process while a
      // member of it lives, and when none does this finds an empty group (ESRCH).
      killGroup(child);
      // A helper that left the group may hold stderr open: do not wait for it long.
      drainTimer = setTimeout(() => child.stderr?.destroy(), STDERR_DRAIN_MS);
    });
    child.once("close", (code: number | null, signal: NodeJS.Signals | null) => {
      settle(killedFor ?? exitOutcome(subject, code, signal, Buffer.concat(stderr)));
    });
  });
}

function exitOutcome(
  subject: string,
  code: number | null,
  signal: NodeJS.Signals | null,
  stderr: Buffer,
): ProbeOutcome {
  if (code === 0) return { ok: true, detail: `${subject}: exit code 0` };
  const how = code !== null ? `exit code ${code}` : `killed by ${signal ?? "an unknown signal"}`;
  const said = stderr.toString("utf8").replace(/\s+/g, " ").trim();
  return { ok: false, detail: `${subject}: ${how}${said ? `: ${said}` : ""}` };
}

/** SIGKILL to the child's process group (its PID: it is the group's leader). */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch (err) {
    // ESRCH: the group is empty (the usual case after the exit). EPERM: a member changed its
    // user (setuid); it is beyond a probe's reach, and the exit is what the verdict waits for.
    if (!isErrno(err, "ESRCH") && !isErrno(err, "EPERM")) throw err;
  }
}
