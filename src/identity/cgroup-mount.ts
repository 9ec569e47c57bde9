/**
 * Where cgroup v2 lives in this mount namespace, and how the paths /proc/PID/cgroup shows
 * ("/upkeep/ab12/web") map to directories (/sys/fs/cgroup/unified/upkeep/ab12/web). Hybrid
 * hosts mount v2 at /sys/fs/cgroup/unified, pure-v2 hosts at /sys/fs/cgroup: read, never assume.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { errnoOf } from "../core/errors.js";

export interface Cgroup2Mount {
  /** Where the hierarchy is mounted, e.g. /sys/fs/cgroup or /sys/fs/cgroup/unified. */
  mountPoint: string;
  /** Which cgroup of the hierarchy the mount shows at its top ("/" unless bind-mounted). */
  root: string;
}

let cachedMount: Cgroup2Mount | null | undefined;

/** mountinfo escapes space, tab, newline and backslash as \ooo octal. */
function unescapeMountinfo(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** The first cgroup2 mount of this mount namespace (cached; mounts do not move under us). */
export function findCgroup2Mount(): Cgroup2Mount | null {
  if (cachedMount !== undefined) return cachedMount;
  cachedMount = null;
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    // "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS"
    const [left, right] = line.split(" - ");
    const fields = left?.split(" ") ?? [];
    if (right?.split(" ")[0] !== "cgroup2" || fields.length < 5) continue;
    cachedMount = {
      root: unescapeMountinfo(fields[3] ?? "/"),
      mountPoint: unescapeMountinfo(fields[4] ?? ""),
    };
    break;
  }
  return cachedMount;
}

/** The cgroup v2 path of a process as /proc/PID/cgroup shows it ("/upkeep/ab12/web"), or null. */
export function readProcCgroup(pid: number | "self"): string | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/cgroup`, "utf8");
  } catch (err) {
    if (errnoOf(err) === "ENOENT" || errnoOf(err) === "ESRCH") return null; // process gone
    throw err;
  }
  const line = text.split("\n").find((l) => l.startsWith("0::"));
  return line === undefined ? null : line.slice(3);
}

/** Turns a cgroup path as recorded ("/upkeep/ab12/web") into its directory, or null without cgroup2. */
export function cgroupFsPath(recordPath: string): string | null {
  const mount = findCgroup2Mount();
  if (mount === null) return null;
  const inside =
    mount.root !== "/" && recordPath.startsWith(mount.root)
      ? recordPath.slice(mount.root.length)
      : recordPath;
  return join(mount.mountPoint, inside);
}

/** Turns a cgroup directory into the path form /proc/PID/cgroup and the store use. */
export function cgroupRecordPath(cgroupPath: string): string {
  const mount = findCgroup2Mount();
  if (mount === null || !cgroupPath.startsWith(mount.mountPoint)) return cgroupPath;
  return join(mount.root, cgroupPath.slice(mount.mountPoint.length) || "/");
}
