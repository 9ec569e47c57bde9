/**
 * A cgroup v2 per service: every process a service forks stays in it (escaping needs write
 * access to another cgroup's cgroup.procs), so the tree is known exactly and can be killed at
 * once. Available when upkeep runs as root with a writable cgroup2 mount.
 */
import { existsSync, mkdirSync, readdirSync, rmdirSync, writeFileSync } from "node:fs";
import { readKernelText } from "../core/read-kernel-file.js";
import { join } from "node:path";
import { UpkeepError, errnoOf } from "../core/errors.js";
import { nativeError } from "../core/native.js";
import { cgroupFsPath, findCgroup2Mount, readProcCgroup } from "./cgroup-mount.js";

export { cgroupFsPath, cgroupRecordPath, readProcCgroup } from "./cgroup-mount.js";
export { detectCgroupRoot } from "./cgroup-delegation.js";

/** Creates (mkdir -p) `<root>/upkeep/<group>/<service>` and returns its path. */
export function createServiceCgroup(root: string, group: string, service: string): string {
  for (const name of [group, service]) {
    if (name === "" || name === "." || name === ".." || name.includes("/") || name.startsWith("cgroup.")) {
      throw new UpkeepError("INTERNAL", `cannot use "${name}" as a cgroup directory name`, {
        hint: "service names must not contain '/' nor start with 'cgroup.'",
        details: { service },
      });
    }
  }
  const path = join(root, "upkeep", group, service);
  try {
    // A leftover of an earlier daemon is made anew when empty, so no kill state of its past
    // (see killCgroup) reaches the processes born into it; a populated one is kept as it is.
    if (existsSync(path)) removeCgroup(path);
    mkdirSync(path, { recursive: true });
  } catch (err) {
    throw new UpkeepError(
      "SERVICE_SPAWN_FAILED",
      `cannot create the cgroup ${path} for ${service}: ${errnoOf(err)}`,
      {
        hint: "check that the cgroup2 mount is writable by root, or run without cgroups (the tree is then found by scan)",
        details: { service, errno: errnoOf(err), path },
        cause: err,
      },
    );
  }
  return path;
}

/** The result of runInCgroup: fn's value, and whether what fn spawned landed in the cgroup. */
export interface CgroupPlacement<T> {
  value: T;
  placed: boolean;
  /** Why the process could not be placed (errno), when `placed` is false. */
  reason?: string;
}

/** Moves this whole process (all its threads) into a cgroup. */
function moveSelf(cgroupPath: string): void {
  writeFileSync(join(cgroupPath, "cgroup.procs"), String(process.pid));
}

/**
 * Runs fn (a synchronous spawn) with this process inside the cgroup, so the child is born there:
 * Node cannot run code between fork and exec, and moving the child after spawn would race with
 * its first fork. The process moves back to its own cgroup in a finally. When the move in fails
 * (EBUSY, EACCES, EOPNOTSUPP...) fn still runs and `placed` is false: the caller then writes the
 * child's PID into cgroup.procs itself. Throws only if this process cannot leave the cgroup.
 */
export function runInCgroup<T>(cgroupPath: string, fn: () => T): CgroupPlacement<T> {
  const ownRecord = readProcCgroup("self");
  const home = ownRecord === null ? null : cgroupFsPath(ownRecord);
  if (home === null) return { value: fn(), placed: false, reason: "this process has no cgroup v2 path" };
  try {
    moveSelf(cgroupPath);
  } catch (err) {
    return { value: fn(), placed: false, reason: errnoOf(err) ?? String(err) };
  }
  try {
    return { value: fn(), placed: true };
  } finally {
    moveBack(home);
  }
}

/**
 * Moves an already started process into the cgroup: the fallback when runInCgroup could not
 * place it (anything it forked before the move stays outside; the run-id marker finds those).
 * Returns false when the process is gone or the kernel refused (EBUSY, EACCES...): never throws,
 * since the service already runs and its tree is still found by process group and marker.
 */
export function placeInCgroup(cgroupPath: string, pid: number): boolean {
  try {
    writeFileSync(join(cgroupPath, "cgroup.procs"), String(pid));
    return true;
  } catch (err) {
    if (errnoOf(err) === undefined) throw err; // not a system error: a bug
    return false; // ESRCH (gone), EBUSY, EACCES, EOPNOTSUPP: the caller runs without the cgroup
  }
}

/** Leaves the service's cgroup: to where we came from, else to the hierarchy's top. */
function moveBack(home: string): void {
  try {
    moveSelf(home);
    return;
  } catch (err) {
    // Our old cgroup may have gained controllers (no processes allowed in inner nodes): use the top.
    const top = findCgroup2Mount()?.mountPoint;
    try {
      if (top === undefined) throw err;
      moveSelf(top);
    } catch (err2) {
      throw new UpkeepError(
        "INTERNAL",
        `cannot move upkeep (PID ${process.pid}) back out of a service cgroup`,
        {
          hint: `move it by hand: echo ${process.pid} > ${home}/cgroup.procs`,
          details: { pid: process.pid, errno: errnoOf(err2) },
          cause: err2,
        },
      );
    }
  }
}

/** The PIDs in the cgroup and its sub-cgroups ([] when it does not exist). */
export function cgroupPids(cgroupPath: string): number[] {
  try {
    const pids = readKernelText(join(cgroupPath, "cgroup.procs"))
      .split("\n")
      .filter((l) => l !== "")
      .map(Number);
    // Sub-cgroups are rare (a service that makes its own): cgroup.stat tells whether there are
    // any, where listing the folder made ~30 entries per service at every metrics scrape.
    if (/^nr_descendants 0$/m.test(readKernelText(join(cgroupPath, "cgroup.stat")))) return pids;
    for (const entry of readdirSync(cgroupPath, { withFileTypes: true }))
      if (entry.isDirectory()) pids.push(...cgroupPids(join(cgroupPath, entry.name)));
    return pids;
  } catch (err) {
    if (errnoOf(err) === "ENOENT") return [];
    throw err;
  }
}

/**
 * A process started by the addon's clone3 born into `cgroupPath`: `start(cgroup)` spawns it.
 * When clone3 refuses the cgroup (removed meanwhile, or it gained controllers), it is started
 * outside and placed there at once, as the child_process path does when the daemon cannot move
 * itself. Any other failure is thrown as it came.
 */
export function startInCgroup(cgroupPath: string | null, start: (cgroup: string | null) => number): number {
  try {
    return start(cgroupPath);
  } catch (err) {
    if (cgroupPath === null || nativeError(err).syscall !== "clone3") throw err;
    const pid = start(null);
    placeInCgroup(cgroupPath, pid);
    return pid;
  }
}

/** True when no live process is in the cgroup or below it (cgroup.events: populated 0). */
export function isCgroupEmpty(cgroupPath: string): boolean {
  try {
    return /^populated 0$/m.test(readKernelText(join(cgroupPath, "cgroup.events")));
  } catch (err) {
    if (errnoOf(err) === "ENOENT") return true; // removed: nothing can be in it
    throw err;
  }
}

/**
 * SIGKILLs every process in the cgroup, one PID at a time; returns the PIDs signalled. Not
 * cgroup.kill: on the kernels seen here a cgroup that was ever cgroup.kill'ed kills every
 * process later born into it with clone3(CLONE_INTO_CGROUP), which is how services start
 * (native/upkeep_native.c). A process forking while it is killed is caught by the caller's
 * next pass (killTreeAndWait repeats until the cgroup is empty).
 */
export function killCgroup(cgroupPath: string): number[] {
  const own = readProcCgroup("self");
  const ownPath = own === null ? null : cgroupFsPath(own);
  if (ownPath !== null && (ownPath === cgroupPath || ownPath.startsWith(cgroupPath + "/"))) {
    throw new UpkeepError("INTERNAL", `refusing to kill cgroup ${cgroupPath}: upkeep itself is in it`, {
      hint: `move upkeep out first: echo ${process.pid} > ${findCgroup2Mount()?.mountPoint ?? "<cgroup2 mount>"}/cgroup.procs`,
      details: { pid: process.pid },
    });
  }
  const killed: number[] = [];
  for (const pid of cgroupPids(cgroupPath)) {
    try {
      process.kill(pid, "SIGKILL");
      killed.push(pid);
    } catch (err) {
      if (errnoOf(err) !== "ESRCH") throw err; // ESRCH: exited between listing and kill
    }
  }
  return killed;
}

/** Removes the cgroup and its sub-cgroups; false when a process is still in it (EBUSY). */
export function removeCgroup(cgroupPath: string): boolean {
  try {
    for (const entry of readdirSync(cgroupPath, { withFileTypes: true })) {
      if (entry.isDirectory() && !removeCgroup(join(cgroupPath, entry.name))) return false;
    }
    rmdirSync(cgroupPath);
    return true;
  } catch (err) {
    if (errnoOf(err) === "ENOENT") return true; // already gone
    if (errnoOf(err) === "EBUSY") return false; // still populated
    throw err;
  }
}

/**
 * Removes the cgroup directory only if it has neither processes nor sub-cgroups (a state dir's
 * `upkeep/<id>` at a clean shutdown); false when something is still in it.
 */
export function removeEmptyCgroup(cgroupPath: string): boolean {
  try {
    rmdirSync(cgroupPath);
    return true;
  } catch (err) {
    const code = errnoOf(err);
    if (code === "ENOENT") return true;
    if (code === "EBUSY" || code === "ENOTEMPTY") return false;
    throw err;
  }
}

/** CPU time used by every process ever in the cgroup (cpu.stat usage_usec), or null when unreadable. */
export function cgroupCpuUsec(cgroupPath: string): number | null {
  try {
    const match = /^usage_usec (\d+)$/m.exec(readKernelText(join(cgroupPath, "cpu.stat")));
    return match ? Number(match[1]) : null;
  } catch {
    return null; // removed meanwhile, or no cpu controller: the caller sums the members' ticks
  }
}

/**
 * Memory the cgroup's processes use now (memory.current: anonymous memory, page cache and
 * kernel memory charged to it), or null when unreadable: no memory controller in the cgroup
 * (a hybrid cgroup v1/v2 host), or removed meanwhile. The caller then sums the members' RSS.
 */
export function cgroupMemoryBytes(cgroupPath: string): number | null {
  try {
    const text = readKernelText(join(cgroupPath, "memory.current")).trim();
    return /^\d+$/.test(text) ? Number(text) : null;
  } catch {
    return null; // ENOENT (no memory controller, or removed): the caller sums the members' RSS
  }
}
