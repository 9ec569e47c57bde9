/**
 * Where upkeep's cgroups go. Under systemd with `Delegate=yes` the unit's cgroup
 * (/sys/fs/cgroup/system.slice/upkeep.service) is the daemon's to manage, and only that: the
 * services' cgroups are made inside it (`<unit>/upkeep/<state id>/<service>`), never at the top
 * of the hierarchy, where systemd owns every directory. The daemon itself moves into a leaf,
 * `<unit>/supervisor`: cgroup v2's no-internal-process rule lets a cgroup with processes in it
 * hand no controller to its children (a unit with systemd ≥ 254's DelegateSubgroup=supervisor
 * starts the daemon in that leaf already, which is recognised).
 *
 * A delegated cgroup is told by the `trusted.delegate` extended attribute systemd sets on it
 * (`user.delegate` for a user manager's units): read, never guessed from a name. Without the
 * native addon no attribute can be read, and upkeep's cgroups stay at the top as before.
 */
import { accessSync, constants, mkdirSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { errnoOf } from "../core/errors.js";
import { native } from "../core/native.js";
import { cgroupFsPath, findCgroup2Mount, readProcCgroup } from "./cgroup-mount.js";

/** The daemon's own cgroup inside a delegated one (systemd's DelegateSubgroup= convention). */
export const SUPERVISOR_LEAF = "supervisor";

const DELEGATE_ATTRIBUTES = ["trusted.delegate", "user.delegate"] as const;

/** A delegated subtree this process runs in. */
export interface DelegatedCgroup {
  /** The delegated cgroup's directory (the unit's), where upkeep's own cgroups go. */
  top: string;
  /** True when this process already is in `<top>/supervisor`. */
  inLeaf: boolean;
}

/**
 * True when systemd marked the cgroup directory as delegated and it is this process's user's
 * (systemd chowns a delegated cgroup to the unit's User=): a root daemon that a user's own
 * delegated subtree (user@UID.service, also marked) got hold of does not put its services'
 * cgroups where that user could move or remove them. A system error reading it counts as "no".
 */
export function isDelegatedCgroup(dir: string): boolean {
  if (native === null || typeof native.getXattr !== "function") return false;
  try {
    if (statSync(dir).uid !== process.geteuid?.()) return false;
  } catch (err) {
    if (errnoOf(err) === undefined) throw err;
    return false; // gone, or not ours to look at
  }
  for (const name of DELEGATE_ATTRIBUTES) {
    try {
      if (native.getXattr(dir, name) === "1") return true;
    } catch (err) {
      // EACCES (user.* of another user's cgroup), ENOENT (gone): not ours to manage.
      if (typeof (err as { errno?: unknown }).errno !== "number") throw err;
    }
  }
  return false;
}

/**
 * The delegated cgroup this process runs in, at its top or in its `supervisor` leaf; null
 * when it runs in none (or cgroup v2 is not mounted).
 */
export function findDelegatedCgroup(): DelegatedCgroup | null {
  const own = readProcCgroup("self");
  const dir = own === null ? null : cgroupFsPath(own);
  if (dir === null) return null;
  if (basename(dir) === SUPERVISOR_LEAF && isDelegatedCgroup(dirname(dir)))
    return { top: dirname(dir), inLeaf: true };
  if (isDelegatedCgroup(dir)) return { top: dir, inLeaf: false };
  return null;
}

/** The result of enterSupervisorLeaf. */
export type LeafResult =
  | { kind: "not-delegated" }
  | { kind: "entered" | "already-there"; top: string; leaf: string }
  | { kind: "failed"; top: string; leaf: string; errno: string };

/**
 * Moves this process (all its threads) into `<delegated top>/supervisor` when it runs at the
 * top of a delegated cgroup. A failed move is returned, not thrown: the services' cgroups
 * still go inside the delegated subtree, and the caller says what could not be done.
 */
export function enterSupervisorLeaf(): LeafResult {
  const found = findDelegatedCgroup();
  if (found === null) return { kind: "not-delegated" };
  const leaf = join(found.top, SUPERVISOR_LEAF);
  if (found.inLeaf) return { kind: "already-there", top: found.top, leaf };
  try {
    mkdirSync(leaf, { recursive: true });
    writeFileSync(join(leaf, "cgroup.procs"), String(process.pid));
    return { kind: "entered", top: found.top, leaf };
  } catch (err) {
    const errno = errnoOf(err);
    if (errno === undefined) throw err; // not a system error: a bug
    return { kind: "failed", top: found.top, leaf, errno };
  }
}

/**
 * The directory under which `upkeep/<state id>/<service>` cgroups live: the delegated cgroup
 * this process runs in, else the cgroup2 mount point; null without cgroup v2. Nothing is
 * checked for writability (see detectCgroupRoot).
 */
export function findCgroupTop(): string | null {
  return findDelegatedCgroup()?.top ?? findCgroup2Mount()?.mountPoint ?? null;
}

/**
 * Where this daemon makes its services' cgroups (findCgroupTop), or null when it cannot: not
 * root, UPKEEP_CGROUPS=0, no cgroup2, or a read-only mount.
 */
export function detectCgroupRoot(): string | null {
  if (process.getuid?.() !== 0) return null;
  if (process.env["UPKEEP_CGROUPS"] === "0") return null; // the operator's choice (and the tests')
  const top = findCgroupTop();
  if (top === null) return null;
  try {
    accessSync(join(top, "cgroup.procs"), constants.W_OK);
  } catch (err) {
    // EROFS (read-only mount, as in many containers) or EACCES: run without cgroups.
    if (errnoOf(err) === "EROFS" || errnoOf(err) === "EACCES") return null;
    throw err;
  }
  return top;
}
