/**
 * The FIFO holder (native/fifo-holder.c): one small process per state dir that keeps every log
 * FIFO open. The kernel frees a pipe, and what it holds, when its last descriptor closes; a
 * service that writes and then exits while no daemon runs would otherwise take that output
 * with it. The holder outlives a daemon that dies (that is its point): the next daemon adopts
 * it, tells it of new FIFOs with SIGWINCH, replaces it if it died, and stops it at a clean
 * shutdown once no service process is left. It is known by `<state_dir>/fifo-holder.pid`
 * ("PID START_TIME"), checked against /proc (start time, program, and its descriptor 3 being
 * this very logs dir, not a deleted one of the same name) before any signal is sent to it.
 */
import { spawn } from "node:child_process";
import { accessSync, closeSync, constants, openSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../core/atomic-write.js";
import { daemonEnv, environmentLines } from "../core/daemon-env.js";
import { isErrno } from "../core/errors.js";
import { fifoHolderProgram, nativeError, nativeSpawn } from "../core/native.js";
import { placeInCgroup, startInCgroup } from "../identity/cgroup.js";
import { readCmdline, readProcStat } from "../identity/proc-stat.js";

/** The holder's comm: its program name cut to the kernel's 15 bytes. */
const HOLDER_COMM = "upkeep-fifo-holder".slice(0, 15);
/** How long stop() waits for the holder to end. */
const STOP_WAIT_MS = 2_000;

interface HolderId {
  pid: number;
  startTime: number;
}

export class FifoHolder {
  private constructor(
    private id: HolderId,
    private readonly stateDir: string,
    private readonly logsDir: string,
    /** A cgroup of its own, outside the daemon's (a unit manager may kill that one whole). */
    private readonly cgroupPath: string | null,
  ) {}

  /** The record file. */
  static recordPath(stateDir: string): string {
    return join(stateDir, "fifo-holder.pid");
  }

  /**
   * The holder of `logsDir`: the one an earlier daemon left (asked to look again), or a new
   * one. Null when the program is not built (the daemon then runs without it).
   */
  static ensure(stateDir: string, logsDir: string, cgroupPath: string | null = null): FifoHolder | null {
    if (fifoHolderProgram === null) return null;
    // Without a usable record the id names no process (there is no PID 0), so refresh starts one.
    const found = readHolder(stateDir, logsDir) ?? { pid: 0, startTime: -1 };
    const holder = new FifoHolder(found, stateDir, logsDir, cgroupPath);
    holder.refresh();
    return holder;
  }

  get pid(): number {
    return this.id.pid;
  }

  /** Tells the holder to look for new FIFOs (and let go of removed ones); one that died is replaced. */
  refresh(): void {
    if (!this.ensureAlive()) process.kill(this.id.pid, "SIGWINCH");
  }

  /**
   * Replaces a holder that died (OOM, an operator) or holds a logs dir deleted since (and made
   * again); true when it did.
   */
  ensureAlive(): boolean {
    if (this.alive() && holdsDir(this.id.pid, this.logsDir)) return false;
    if (fifoHolderProgram === null) return false;
    if (this.alive()) process.kill(this.id.pid, "SIGTERM"); // it holds a deleted logs dir
    this.id = spawnHolder(fifoHolderProgram, this.stateDir, this.logsDir, this.cgroupPath);
    return true;
  }

  /** Ends the holder and removes its record (a clean shutdown with no service process left). */
  async stop(): Promise<void> {
    for (const signal of ["SIGTERM", "SIGKILL"] as const) {
      if (!this.alive()) break;
      process.kill(this.id.pid, signal);
      const deadline = Date.now() + STOP_WAIT_MS;
      while (this.alive() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    rmSync(FifoHolder.recordPath(this.stateDir), { force: true });
  }

  /** Still this holder: same PID and start time, not a zombie. */
  private alive(): boolean {
    const stat = readProcStat(this.id.pid);
    return stat !== null && stat.startTime === this.id.startTime && stat.state !== "Z";
  }
}

/** The recorded holder, when it still runs and was started for this logs dir. */
function readHolder(stateDir: string, logsDir: string): HolderId | null {
  let text: string;
  try {
    text = readFileSync(FifoHolder.recordPath(stateDir), "utf8");
  } catch (err) {
    if (isErrno(err, "ENOENT")) return null;
    throw err;
  }
  const [pid = NaN, startTime = NaN] = text.trim().split(" ").map(Number);
  if (!Number.isSafeInteger(pid) || !Number.isSafeInteger(startTime)) return null;
  const stat = readProcStat(pid);
  if (stat === null || stat.startTime !== startTime || stat.comm !== HOLDER_COMM || stat.state === "Z")
    return null;
  return readCmdline(pid)?.[1] === logsDir ? { pid, startTime } : null;
}

/** The holder's descriptor 3 is `logsDir` itself (same device and inode), not a deleted one. */
function holdsDir(pid: number, logsDir: string): boolean {
  try {
    const held = statSync(`/proc/${pid}/fd/3`);
    const current = statSync(logsDir);
    return held.dev === current.dev && held.ino === current.ino;
  } catch {
    return false; // gone, or no such dir any more
  }
}

/** Starts a holder in a session (and cgroup, given one) of its own and records it; exported for tests. */
export function spawnHolder(
  program: string,
  stateDir: string,
  logsDir: string,
  cgroupPath: string | null,
): HolderId {
  const pid =
    startNatively(program, logsDir, cgroupPath) ?? startWithChildProcess(program, logsDir, cgroupPath);
  const stat = pid === undefined ? null : readProcStat(pid);
  if (stat === null) throw new Error(`cannot start ${program}`);
  const id = { pid: stat.pid, startTime: stat.startTime };
  writeFileAtomic(FifoHolder.recordPath(stateDir), `${id.pid} ${id.startTime}\n`);
  return id;
}

/**
 * With the addon's spawner: cloned straight into its cgroup (child_process forks the daemon,
 * and the move into the cgroup afterwards cost the daemon's start 15–20 ms here), in a session
 * of its own, working from /. Undefined when the spawner is not there
 * or the kernel refuses it (then child_process starts it).
 */
function startNatively(program: string, logsDir: string, cgroupPath: string | null): number | undefined {
  if (nativeSpawn === null) return undefined;
  const spawnNative = nativeSpawn;
  try {
    // A program missing or not executable fails at once through child_process, as it always did.
    accessSync(program, constants.X_OK);
  } catch {
    return undefined;
  }
  const devNull = openSync("/dev/null", "r+");
  try {
    const start = (cgroup: string | null): number =>
      spawnNative(
        program,
        [program, logsDir],
        // The daemon's environment, as child_process gave it: whoever finds the daemon's
        // processes by a variable they carry (a test's marker, an operator's tag) finds it too.
        environmentLines(daemonEnv()),
        "/",
        [devNull, devNull, devNull],
        -1,
        -1,
        cgroup,
        (error) => {
          // Only a failure is told: the check every minute starts another holder.
          if (error)
            console.error(`upkeep: the FIFO holder ${program} could not run: ${nativeError(error).message}`);
        },
        ignore,
      );
    return startInCgroup(cgroupPath, start);
  } catch {
    return undefined;
  } finally {
    closeSync(devNull); // the child has its own copy
  }
}

/** The holder's exit needs no answer: alive() looks at /proc. */
function ignore(): void {}

function startWithChildProcess(
  program: string,
  logsDir: string,
  cgroupPath: string | null,
): number | undefined {
  const child = spawn(program, [logsDir], { detached: true, stdio: "ignore" });
  // It never forks, so placing it right after its start misses nothing; without the cgroup
  // it still works, in the daemon's.
  if (cgroupPath !== null && child.pid !== undefined) placeInCgroup(cgroupPath, child.pid);
  // Node reports a failed spawn on a later tick; the caller's check of the PID already tells.
  child.on("error", () => undefined);
  child.unref();
  return child.pid;
}
