import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, openSync } from "node:fs";
import { daemonEnv, environmentLines } from "../core/daemon-env.js";
import { lookUpExecutable, resolveExecutable } from "../core/resolve-executable.js";
import { serviceKeyPath, type ServiceConfig } from "../config/model.js";
import { STATE_ID_ENV } from "../config/state-dir-id.js";
import { RUN_ID_ENV } from "../identity/process-tree.js";
import { SERVICE_ENV } from "./record-tie.js";
import { nativeError, nativeSpawn, signalName } from "../core/native.js";
import { runInCgroup, placeInCgroup, startInCgroup } from "../identity/cgroup.js";
import { resolveGroup, resolveUser } from "../core/users.js";
import type { ServiceOutput } from "./output.js";
import { serviceEnv } from "./service-env.js";

/** How a spawned process ended (a code, or the signal that killed it). */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** What a successful spawn hands back to the runner. */
export interface Spawned {
  pid: number;
  runId: string;
  /** Settles once, when the process has exited and been reaped. */
  exited: Promise<ExitStatus>;
}

/**
 * The variables that tie a process to its service and start (SPEC §6), set last so a service's
 * `env:` cannot change them: the state dir's id (which the supervisor put in upkeep's own
 * environment), the service's name, the start's run id.
 */
function upkeepEntries(service: string, runId: string): Record<string, string> {
  const stateId = daemonEnv()[STATE_ID_ENV];
  return {
    ...(stateId === undefined ? {} : { [STATE_ID_ENV]: stateId }),
    [SERVICE_ENV]: service,
    [RUN_ID_ENV]: runId,
  };
}

/** Which spawner runs services: the native addon when it is loaded, else child_process. */
export const SPAWNER: "native" | "node" = nativeSpawn !== null ? "native" : "node";

/** Set when the kernel refused clone3 itself (too old, or a seccomp filter): Node's spawn from then on. */
let nativeRefused = false;

/** clone3 errors that mean "not on this kernel", not "not for this service". */
const CLONE3_UNAVAILABLE = new Set(["ENOSYS", "EINVAL", "EPERM"]);

export interface SpawnOptions {
  spawner?: "native" | "node";
  /**
   * The lifecycle marker for the new process ("started PID 12"). It is written as soon as the
   * PID exists, before the event loop can read any of the process's output, so the marker
   * always comes first in the log. (The native spawn settles only once exec is reported,
   * by which time a fast child may have written and been read.)
   */
  announce?: (pid: number) => string;
  /** The config key the argv came from, for reasons (default `command`; `start`, `stop`). */
  commandKey?: string;
}

/**
 * Start the service's argv (never through a shell) in its own session and process group,
 * inside its cgroup when there is one, with stdout/stderr on the service's FIFOs. Returns the
 * process, or rejects with the spawn error (ENOENT, EACCES, EPERM...) for the runner to report.
 */
export function spawnService(
  config: ServiceConfig,
  output: ServiceOutput,
  cgroupPath: string | null,
  options: SpawnOptions = {},
): Promise<Spawned> {
  const spawner = options.spawner ?? SPAWNER;
  const announce = (pid: number): void => {
    if (options.announce) output.marker(options.announce(pid));
  };
  const [command, ...args] = config.command;
  if (command === undefined) return Promise.reject(new Error("the command is empty"));
  const runId = randomUUID();
  const ids = resolveIds(config);
  // The markers come last: neither the daemon's environment nor `env` can change them.
  const env: Record<string, string> = {
    ...serviceEnv(config, ids.env, daemonEnv()),
    ...upkeepEntries(config.name, runId),
  };
  const request: SpawnRequest = {
    keyPath: (key) => serviceKeyPath(config, key === "command" ? (options.commandKey ?? "command") : key),
    hasGroup: config.group !== null,
    file: resolveExecutable(command, env["PATH"] ?? "", config.cwd),
    // argv[0] stays as the operator wrote it; only the lookup in PATH was done ahead.
    argv: [command, ...args],
    cwd: config.cwd,
    runId,
    ids,
    env,
  };
  const stdio = output.childStdio();
  try {
    if (spawner === "native" && !nativeRefused) {
      try {
        return spawnNative(request, stdio, cgroupPath, announce);
      } catch (err) {
        const error = err as NodeJS.ErrnoException;
        if (error.syscall !== "clone3" || !CLONE3_UNAVAILABLE.has(error.code ?? "")) throw err;
        nativeRefused = true;
        process.emitWarning(
          `clone3 is not available (${error.message}): services are spawned with fork from now on`,
        );
      }
    }
    return spawnNode(request, stdio, cgroupPath, announce);
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  } finally {
    output.releaseChildStdio();
  }
}

interface SpawnRequest {
  /** `services.web.cwd`: the key a failure names. */
  keyPath: (key: "command" | "cwd" | "user" | "group") => string;
  hasGroup: boolean;
  file: string;
  argv: string[];
  cwd: string;
  runId: string;
  ids: { uid?: number; gid?: number; env: Record<string, string> };
  env: NodeJS.ProcessEnv;
}

/** /dev/null for every service's stdin, opened once (close-on-exec, so no child inherits it). */
let devNull: number | null = null;

/** The addon's clone3 spawn: born in its cgroup, no fork of the daemon's memory. */
function spawnNative(
  request: SpawnRequest,
  stdio: { out: number; err: number },
  cgroupPath: string | null,
  announce: (pid: number) => void,
): Promise<Spawned> {
  const spawn = nativeSpawn;
  if (spawn === null) throw new Error("the native spawner is not loaded");
  const stdin = (devNull ??= openSync("/dev/null", "r"));
  const envp = environmentLines(request.env);
  let resolveExit: (status: ExitStatus) => void = () => undefined;
  const exited = new Promise<ExitStatus>((resolve) => (resolveExit = resolve));
  const onExit = (code: number | null, signal: number | null): void =>
    resolveExit({ code, signal: signal === null ? null : signalName(signal) });
  let settle: { resolve: (spawned: Spawned) => void; reject: (error: Error) => void } | null = null;
  const started = new Promise<Spawned>((resolve, reject) => (settle = { resolve, reject }));
  const start = (cgroup: string | null): number => {
    const pid = spawn(
      request.file,
      request.argv,
      envp,
      request.cwd,
      [stdin, stdio.out, stdio.err],
      request.ids.uid ?? -1,
      request.ids.gid ?? -1,
      cgroup,
      (error) => {
        if (!error) return settle!.resolve({ pid, runId: request.runId, exited });
        const failure = describeSpawnError(nativeError(error), request);
        // The process was announced at clone3; the log's next line says what became of it.
        failure.message += ` (PID ${pid} ended before its program ran)`;
        settle!.reject(failure);
      },
      onExit,
    );
    return pid;
  };
  // Synchronous, so that a clone3 the kernel refuses reaches spawnService as a throw.
  let pid: number;
  try {
    pid = startInCgroup(cgroupPath, start);
  } catch (err) {
    // As Node's error (code, syscall): spawnService tells "no clone3 here" by them.
    throw describeSpawnError(nativeError(err), request);
  }
  // Outside the try: the process exists now, whatever the marker does.
  announce(pid);
  return started;
}

/** Node's child_process: forks the daemon; moves the daemon into the cgroup around the fork. */
function spawnNode(
  request: SpawnRequest,
  stdio: { out: number; err: number },
  cgroupPath: string | null,
  announce: (pid: number) => void,
): Promise<Spawned> {
  const [argv0, ...args] = request.argv;
  const start = (): ChildProcess =>
    spawn(request.file, args, {
      cwd: request.cwd,
      env: request.env,
      stdio: ["ignore", stdio.out, stdio.err],
      argv0: argv0!,
      // Own session and process group: terminal signals meant for the daemon never reach the
      // service, and a stop can signal the whole group.
      detached: true,
      ...(request.ids.uid !== undefined ? { uid: request.ids.uid } : {}),
      ...(request.ids.gid !== undefined ? { gid: request.ids.gid } : {}),
    });
  let child: ChildProcess;
  if (cgroupPath === null) {
    child = start();
  } else {
    const result = runInCgroup(cgroupPath, start);
    child = result.value;
    // The daemon could not move itself: place the child now (a fork in the first
    // microseconds of its life may escape; the run-id marker still finds it).
    if (!result.placed && child.pid !== undefined) placeInCgroup(cgroupPath, child.pid);
  }
  if (child.pid !== undefined) announce(child.pid);
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  return new Promise((resolve, reject) => {
    if (child.pid !== undefined) {
      resolve({ pid: child.pid, runId: request.runId, exited });
      return;
    }
    // No pid: the spawn failed and Node reports why on the 'error' event, on a later tick.
    child.once("error", (error: NodeJS.ErrnoException) => reject(describeSpawnError(error, request)));
  });
}

/**
 * Which step before exec failed, on what, naming the config key to fix: `services.web.command:
 * nginx is not found in PATH (...)`, `services.web.cwd: cannot change to ...`. Node's own
 * spawn reports every step as "spawn": a missing cwd is then told apart by looking.
 */
function describeSpawnError(error: NodeJS.ErrnoException, request: SpawnRequest): Error {
  const code = error.code ?? "";
  let syscall = error.syscall ?? "";
  if (syscall.startsWith("spawn")) syscall = existsSync(request.cwd) ? "execve" : "chdir";
  if (syscall === "execve") {
    const program = request.argv[0] ?? request.file;
    const found = lookUpExecutable(program, request.env["PATH"] ?? "", request.cwd);
    const why = found.ok
      ? `cannot run ${request.file}: ${code}${code === "ENOENT" ? " (the interpreter on its #! line may be missing)" : ""}`
      : found.reason.includes(`(${code})`)
        ? found.reason
        : `${found.reason} (${code})`;
    error.message = `${request.keyPath("command")}: ${why}`;
  } else if (syscall === "chdir") {
    error.message = `${request.keyPath("cwd")}: cannot change to the working directory ${request.cwd}: ${code}`;
  } else if (["setuid", "setgid", "setgroups"].includes(syscall)) {
    const key = syscall === "setgid" && request.hasGroup ? "group" : "user";
    error.message = `${request.keyPath(key)}: cannot switch to the service's user or group (${syscall}): ${code}`;
  }
  return error;
}

/** uid/gid to drop to (as root), and the login variables (HOME, USER, LOGNAME, SHELL) a program run as that user expects. */
export function resolveIds(config: ServiceConfig): {
  uid?: number;
  gid?: number;
  env: Record<string, string>;
} {
  const ids: { uid?: number; gid?: number; env: Record<string, string> } = { env: {} };
  if (config.user !== null) {
    const user = naming(serviceKeyPath(config, "user"), () => resolveUser(config.user!));
    ids.uid = user.uid;
    ids.gid = user.gid;
    ids.env = { HOME: user.home, USER: config.user, LOGNAME: config.user, SHELL: user.shell };
  }
  if (config.group !== null)
    ids.gid = naming(serviceKeyPath(config, "group"), () => resolveGroup(config.group!)).gid;
  return ids;
}

/** fn's value; an error it throws names the config key first (`services.web.user: ...`). */
function naming<T>(key: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof Error) err.message = `${key}: ${err.message}`;
    throw err;
  }
}
