/**
 * `upkeep daemon --detach`: starts `upkeep daemon` in a new session (setsid) with its output
 * appended to `<state_dir>/daemon.log`, then returns once its socket answers, or, when it
 * exits first, prints the end of its log and returns its exit code (1 for "already running").
 */
import { DAEMON_NODE_FLAGS } from "../../daemon/node-flags.js";
import { spawn } from "node:child_process";
import { closeSync, constants, fstatSync, readSync } from "node:fs";
import { join } from "node:path";
import type { StatusJson } from "../../api/wire.js";
import type { LogFormat } from "../../daemon/log-format.js";
import { UpkeepError } from "../../core/errors.js";
import { openOwnFile } from "../../core/open-own-file.js";
import { prepareTrustedStateDir } from "../../daemon/state-dir-trust.js";
import { closeStrayDescriptors } from "../../daemon/stray-descriptors.js";
import { requestJson } from "../client.js";
import { writeLine, type CliIo } from "../io.js";
import { pollUntil } from "../poll.js";
import { endpointFor, type Target } from "../target.js";

const START_DEADLINE_MS = 15_000;
const TAIL_LINES = 20;
const TAIL_BYTES = 64 * 1024;

/** The last lines written to `file` since `fromOffset` (what this start wrote). */
function readLogTail(file: string, fromOffset: number): string[] {
  const { fd } = openOwnFile(file, constants.O_RDONLY);
  try {
    const size = fstatSync(fd).size;
    // A file smaller than where this start began was rotated since (daemon-log-file.ts).
    const start = Math.max(size < fromOffset ? 0 : fromOffset, size - TAIL_BYTES);
    const buffer = Buffer.alloc(size - start);
    const read = readSync(fd, buffer, 0, buffer.length, start);
    const lines = buffer.subarray(0, read).toString("utf8").split("\n");
    if (lines.at(-1) === "") lines.pop();
    return lines.slice(-TAIL_LINES);
  } finally {
    closeSync(fd);
  }
}

/**
 * The argv of the detached daemon: the script this CLI was started as (bin/upkeep, the
 * bundle or dist/src/cli/main.js) with the same target.
 */
function daemonArgv(target: Target, options: DetachOptions, env: NodeJS.ProcessEnv): string[] {
  // A state dir from $UPKEEP_STATE_DIR may be relative to the caller's directory, which the
  // daemon does not run in: it gets the resolved path as a flag.
  const stateDirChosen = target.stateDirFromFlag || (env["UPKEEP_STATE_DIR"] ?? "") !== "";
  const main = process.argv[1];
  if (main === undefined)
    throw new Error("cannot tell which script runs this CLI (process.argv[1] is empty)");
  return [
    ...DAEMON_NODE_FLAGS,
    main,
    "--config",
    target.configFile,
    ...(stateDirChosen ? ["--state-dir", target.stateDir] : []),
    "daemon",
    ...(options.force ? ["--force"] : []),
    "--log-format",
    options.logFormat,
  ];
}

export interface DetachOptions {
  force: boolean;
  logFormat: LogFormat;
}

/** Starts the daemon in the background and waits until it answers (or exits). */
export async function startDetached(target: Target, options: DetachOptions, io: CliIo): Promise<number> {
  // The log goes into the state dir: checked first, like the daemon does (state-dir-trust.ts),
  // and opened without following a symlink.
  prepareTrustedStateDir(target.stateDir);
  const logFile = join(target.stateDir, "daemon.log");
  const { fd, stat } = openOwnFile(
    logFile,
    constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT,
    "file",
    0o600,
  );
  const startOffset = stat.size;
  // detached: setsid, so the daemon outlives this terminal and its Ctrl-C never reaches it.
  // cwd /: the daemon does not keep the caller's directory busy (an unmount of it would fail);
  // every path it uses is absolute by now (the target's, and the config's own, resolved against
  // the config file's folder). Descriptors of the caller beyond stdio would reach the daemon
  // through Node's spawn (libuv closes none): this CLI, which exits soon, closes its own copies
  // first, and the daemon closes any it still gets (stray-descriptors.ts).
  closeStrayDescriptors();
  const child = spawn(process.execPath, daemonArgv(target, options, io.env), {
    detached: true,
    stdio: ["ignore", fd, fd],
    env: io.env,
    cwd: "/",
  });
  closeSync(fd);
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  child.once("exit", (code, signal) => (exit = { code, signal }));
  child.once("error", (err) => (spawnError = err));
  const endpoint = endpointFor(target);
  const outcome = await pollUntil(
    async () => {
      if (exit !== undefined || spawnError !== undefined) return "exited";
      try {
        const status = await requestJson<StatusJson>(endpoint, "GET", "/api/v1/status", undefined, {
          timeoutMs: 2000,
        });
        // Another daemon may answer on this socket: only our child's answer counts.
        if (status.daemon.pid === child.pid) return "up";
      } catch (err) {
        if (!(err instanceof UpkeepError)) throw err;
        // Not answering yet (no socket, refused, slow): the poll tries again.
      }
      return exit !== undefined ? "exited" : undefined;
    },
    { deadlineMs: START_DEADLINE_MS, intervalMs: 50 },
  );
  if (spawnError !== undefined) {
    throw new UpkeepError("DAEMON_START_FAILED", `cannot start ${process.execPath}: ${spawnError.message}`, {
      hint: "check that node is installed and executable",
      cause: spawnError,
    });
  }
  if (outcome === "up") {
    child.unref();
    writeLine(io.stdout, `upkeep daemon started (PID ${child.pid ?? "?"}), socket ${target.socketPath}`);
    return 0;
  }
  if (outcome === "exited" && exit !== undefined) {
    for (const line of readLogTail(logFile, startOffset)) writeLine(io.stderr, line);
    const how = exit.code !== null ? `exit code ${exit.code}` : `signal ${exit.signal ?? "?"}`;
    writeLine(io.stderr, `upkeep: the daemon did not start (${how}); its log: ${logFile}`);
    return exit.code !== null && exit.code !== 0 ? exit.code : 1;
  }
  child.unref();
  throw new UpkeepError(
    "DAEMON_START_FAILED",
    `the daemon (PID ${child.pid ?? "?"}) did not answer on ${target.socketPath} within ${START_DEADLINE_MS / 1000} s`,
    {
      hint: `it is still running: see ${logFile}, and stop it with: kill ${child.pid ?? "<pid>"}`,
      details: { pid: child.pid },
    },
  );
}
