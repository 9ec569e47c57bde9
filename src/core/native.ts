/**
 * The native addon (native/upkeep_native.c, built by `npm ci` through node-gyp): a spawn that
 * neither forks the daemon's memory nor moves the daemon between cgroups nor waits for the
 * child's execve, renameat2(RENAME_EXCHANGE) for PID files, splice(2) from a log FIFO
 * into its file (native/pipe.c), pidfds for processes that are not our children
 * (native/pidfd.c), the datagram socket of $NOTIFY_SOCKET (native/notify.c), mknod for log
 * FIFOs (native/fifo.c), the daemon's own sd_notify and cgroup xattrs (native/sd-notify.c),
 * reaping orphaned children (native/reap.c). Loaded once, from a local build or the package's prebuilt binaries (native-files.ts); when it
 * is missing callers fall back to Node's own child_process, to a temp file
 * renamed into place and to reading the FIFO (notify readiness has no fallback), and
 * `nativeLoadError` says why. `nativeSpawn` is null where the clone3 stub is not built.
 */
import { constants } from "node:os";
import { findNativeFiles, loadFirstNative } from "./native-files.js";
import { claimNativeChild, releaseNativeChild } from "./child-claims.js";

/** How a child ended: an exit code, or the number of the signal that killed it. */
export type NativeExit = (code: number | null, signal: number | null) => void;

export interface NativeAddon {
  /** False where the clone3 stub is not built (it is x86_64 and arm64 assembly). */
  supported: boolean;
  /**
   * clone3 + execve, returns the PID at once; throws (errno, syscall) when the clone fails.
   * onExec(null) once the child has exec'd, or onExec(error) with the step that failed (the
   * child is then reaped and onExit is never called); onExit once it has exited. Both run on
   * the loop thread.
   */
  spawn(
    this: void,
    file: string,
    argv: string[],
    envp: string[],
    cwd: string | null,
    fds: [number, number, number],
    uid: number,
    gid: number,
    cgroupDir: string | null,
    onExec: (error: Error | null) => void,
    onExit: NativeExit,
  ): number;
  /** renameat2(RENAME_EXCHANGE): swaps two existing paths atomically; throws (errno, syscall). */
  exchange(pathA: string, pathB: string): void;
  /** Calls onReadable on the loop thread whenever `fd` has data (level-triggered). */
  pollReadable(fd: number, onReadable: () => void): PollHandle;
  /**
   * Lets the process exit while the poll is active (libuv's uv_unref), as an unref()ed timer
   * does. For pidfd watches; FIFO readers keep theirs referenced.
   */
  unrefPoll(handle: PollHandle): void;
  /** Stops a poll; the fd may be closed right after. */
  stopPoll(handle: PollHandle): void;
  /** No onReadable for `ms` (the fd leaves epoll meanwhile), then the poll goes on. */
  holdPoll(handle: PollHandle, ms: number): void;
  /** F_SETPIPE_SZ: asks for a pipe of `bytes`; returns the size given; throws (EPERM, EBUSY). */
  setPipeSize(fd: number, bytes: number): number;
  /** F_GETPIPE_SZ: the pipe's size in bytes; throws. */
  pipeSize(fd: number): number;
  /** The bytes a pipe holds now (FIONREAD). */
  pipeBytes(fd: number): number;
  /**
   * splice(2) without SPLICE_F_MOVE: up to `length` bytes from the pipe to the file at
   * `offset` (a file opened without O_APPEND). 0 when the pipe is empty; throws (errno, syscall).
   */
  splice(pipeFd: number, fileFd: number, offset: number, length: number): number;
  /**
   * pidfd_open(2) with flags 0 (the fd is close-on-exec): a descriptor that becomes readable
   * (pollReadable) when the process exits, whether or not it is our child. The caller closes
   * it. Throws (errno, syscall): ESRCH when no such process exists, EINVAL for a thread that is
   * not a group leader, EMFILE/ENFILE out of descriptors, ENOSYS before Linux 5.3.
   */
  pidfdOpen(pid: number): number;
  /** fstat's st_size; throws (errno, syscall). Far cheaper than fs.fstatSync's Stats object. */
  fileSize(fd: number): number;
  /**
   * madvise(MADV_DONTNEED) on the node binary's pages in read-only private mappings that are
   * still the file's own bytes (native/memory.c); returns the bytes released.
   */
  releaseStartupPages(): number;
  /**
   * An AF_UNIX SOCK_DGRAM socket (non-blocking, close-on-exec, SO_PASSCRED) bound at `path`,
   * after removing a stale socket file there (any other file there is an EEXIST error). The
   * caller closes the fd and removes the file. Throws (errno, syscall, path): ENAMETOOLONG for
   * a path longer than sun_path (107 bytes), EINVAL for an empty path or one with a NUL.
   */
  notifyBind(path: string): number;
  /**
   * The datagrams pending on a notifyBind socket (recvmsg, MSG_DONTWAIT), until EAGAIN or 256
   * of them (the level-triggered poll calls again for the rest). pid and uid are the sender's
   * (SCM_CREDENTIALS); pid 0 and uid -1 when the kernel attached none. Datagrams over 4 KiB
   * are dropped, as systemd does; descriptors a sender passed are closed. Throws (errno, syscall).
   */
  notifyReceive(fd: number): NotifyDatagram[];
  /**
   * mknod(2) of a FIFO (native/fifo.c): true when made, false when something is already at
   * `path` (EEXIST; never followed if a symlink). Throws (errno, syscall, path).
   */
  mkfifo(path: string, mode: number): boolean;
  /**
   * The same for many paths, one after another in libuv's threadpool; `done` gets one errno
   * per path on the loop thread (0: made, EEXIST: something was there).
   */
  mkfifos(paths: readonly string[], mode: number, done: (errnos: number[]) => void): void;
  /**
   * One datagram to a notify socket as sd_notify(3) sends it (native/sd-notify.c): `address`
   * is NOTIFY_SOCKET's value, a path or an abstract name starting with '@'. Never blocks
   * (MSG_DONTWAIT). Throws (errno, syscall, path): ECONNREFUSED when nothing is bound there,
   * EAGAIN when the receiver's queue is full, EINVAL for any other form of address.
   */
  notifySend(address: string, text: string): void;
  /** An extended attribute of a file (not following a symlink), null when it is not set. Throws (errno, syscall, path). */
  getXattr(path: string, name: string): string | null;
  /** Sets an extended attribute of a file (not following a symlink). Throws (errno, syscall, path). */
  setXattr(path: string, name: string, value: string): void;

  /** prctl(PR_SET_CHILD_SUBREAPER, 1) (native/reap.c); throws (errno, syscall). */
  setChildSubreaper?(this: void): void;
  /**
   * waitid(P_ALL, WNOHANG | WNOWAIT): the PID of a child that has exited and is not reaped
   * yet (it stays unreaped), 0 when there is none.
   */
  peekZombieChild?(this: void): number;
  /**
   * waitid(P_PID, WNOHANG): reaps the child `pid` if it has exited (its code, or the number of
   * the signal that ended it); null while it runs. Throws ECHILD when it is not our child.
   */
  reapChild?(this: void, pid: number): { code: number | null; signal: number | null } | null;
  /** dup3(fd, target, 0) (native/dup.c): `target` names what `fd` names; throws (errno, syscall). */
  dupOnto?(this: void, fd: number, target: number): void;
}

/** One datagram received on a notify socket. */
export interface NotifyDatagram {
  pid: number;
  uid: number;
  text: string;
}

/** An opaque poll handle of the addon. */
export type PollHandle = { readonly __poll: unique symbol };

function load(): { addon: NativeAddon | null; error: string | null; dir: string | null } {
  if (process.env["UPKEEP_NATIVE"] === "0")
    return { addon: null, error: "UPKEEP_NATIVE=0 turns it off", dir: null };
  try {
    const loaded = loadFirstNative<NativeAddon>(findNativeFiles("upkeep_native.node"), "native addon");
    return { addon: loaded.module, error: null, dir: loaded.dir };
  } catch (err) {
    return { addon: null, error: err instanceof Error ? err.message : String(err), dir: null };
  }
}

const loaded = load();

/** The addon, or null when it could not be loaded. */
export const native: NativeAddon | null = loaded.addon;
/** Why the addon is not there (null when it is). */
export const nativeLoadError: string | null = loaded.error;
/** The addon's spawn, or null with the reason in `nativeSpawnError`. */
export const nativeSpawn: NativeAddon["spawn"] | null = loaded.addon?.supported
  ? claimingSpawn(loaded.addon.spawn)
  : null;
export const nativeSpawnError: string | null =
  loaded.error ??
  (nativeSpawn ? null : `the clone3 stub is for x86_64 and arm64 only; this is ${process.arch}`);

/**
 * One line for the daemon's start when the addon was wanted but did not load: what runs instead
 * (docs/install.md, "Fallbacks"). Null when it loaded or UPKEEP_NATIVE=0 turned it off on purpose.
 */
export const nativeFallbackNotice: string | null =
  loaded.error === null || process.env["UPKEEP_NATIVE"] === "0"
    ? null
    : `the native addon is not loaded, so services start through Node's child_process, log FIFOs are read without splice(2), notify readiness is unavailable and orphaned processes are not reaped (docs/install.md, "Fallbacks"): ${loaded.error}`;

/**
 * The addon's spawn, with each child claimed from its clone until the spawner has reaped it
 * (child-claims.ts): the daemon's orphan reaper must never take its exit status first.
 */
function claimingSpawn(spawn: NativeAddon["spawn"]): NativeAddon["spawn"] {
  return (file, argv, envp, cwd, fds, uid, gid, cgroupDir, onExec, onExit) => {
    let pid = 0;
    pid = spawn(
      file,
      argv,
      envp,
      cwd,
      fds,
      uid,
      gid,
      cgroupDir,
      (error) => {
        if (error) releaseNativeChild(pid); // reaped by the spawner before this call
        onExec(error);
      },
      (code, signal) => {
        releaseNativeChild(pid);
        onExit(code, signal);
      },
    );
    // Both callbacks run on a later turn of the loop: the claim is in place before either.
    claimNativeChild(pid);
    return pid;
  };
}

/**
 * The FIFO holder program (native/fifo-holder.c), built beside the addon: the one in the
 * addon's folder, else the first found; null when there is none or the addon is turned off.
 */
export const fifoHolderProgram: string | null = ((): string | null => {
  if (process.env["UPKEEP_NATIVE"] === "0") return null;
  const found = findNativeFiles("upkeep-fifo-holder");
  return found.find((path) => loaded.dir !== null && path.startsWith(`${loaded.dir}/`)) ?? found[0] ?? null;
})();

const ERRNO_NAMES = new Map(Object.entries(constants.errno).map(([name, number]) => [number, name]));
const SIGNAL_NAMES = new Map(
  Object.entries(constants.signals).map(([name, number]) => [number, name as NodeJS.Signals]),
);

/** "ENOENT" for 2; the number as text when the name is unknown. */
function errnoName(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? String(errno);
}

/** "SIGKILL" for 9. */
export function signalName(signal: number): NodeJS.Signals | null {
  return SIGNAL_NAMES.get(signal) ?? null;
}

/** Turns the addon's thrown error into one that reads like Node's own (`code`, `syscall`, `path`). */
export function nativeError(err: unknown): NodeJS.ErrnoException {
  if (!(err instanceof Error) || typeof (err as { errno?: unknown }).errno !== "number") {
    return err instanceof Error ? err : new Error(String(err));
  }
  const raw = err as Error & { errno: number; syscall: string; path?: string };
  const code = errnoName(raw.errno);
  const error: NodeJS.ErrnoException = new Error(
    `${raw.syscall}${raw.path ? ` ${raw.path}` : ""} ${code} (${raw.message})`,
  );
  error.code = code;
  error.errno = -raw.errno;
  error.syscall = raw.syscall;
  if (raw.path) error.path = raw.path;
  return error;
}
