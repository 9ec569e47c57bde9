/**
 * systemd booted as PID 1 of private PID, mount, cgroup, network, UTS and IPC namespaces, with
 * the host walled off (test/fixtures/systemd-boot/enter.sh): what `systemctl` does to upkeep's
 * unit can be tested for real on a host whose PID 1 is not systemd. Its cgroup tree is a
 * directory of the host's cgroup2 mount, read from the host side; killing the namespace's
 * PID 1 ends every process in it.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { FIXTURES } from "./daemon.js";
import { waitFor } from "./wait-for.js";

const ENTER = join(FIXTURES, "..", "systemd-boot", "enter.sh");
const SYSTEMD = ["/lib/systemd/systemd", "/usr/lib/systemd/systemd"].find((p) => existsSync(p));

/** Why systemd cannot be booted here, or false when it can. */
export function systemdBootUnavailable(): string | false {
  if (process.getuid?.() !== 0) return "needs root to make namespaces and mount in them";
  if (SYSTEMD === undefined) return "systemd is not installed (/lib/systemd/systemd)";
  for (const tool of ["unshare", "nsenter", "systemctl"]) {
    if (spawnSync(tool, ["--version"]).status !== 0) return `${tool} is not installed`;
  }
  if (cgroup2Mount() === null) return "no cgroup v2 mount to give systemd a cgroup tree";
  return false;
}

/** The host's cgroup2 mount point, or null. */
export function cgroup2Mount(): string | null {
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const [left, right] = line.split(" - ");
    if (right?.split(" ")[0] === "cgroup2") return left?.split(" ")[4] ?? null;
  }
  return null;
}

/** The PIDs in a cgroup directory (not its children); [] when it does not exist. */
export function cgroupProcs(dir: string): number[] {
  try {
    return readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n").filter(Boolean).map(Number);
  } catch {
    return []; // no such cgroup (yet, or any more)
  }
}

/** A host PID's PID in the innermost PID namespace it belongs to (NSpid's last field). */
export function innerPid(hostPid: number): number | null {
  try {
    const line = readFileSync(`/proc/${hostPid}/status`, "utf8")
      .split("\n")
      .find((l) => l.startsWith("NSpid:"));
    const last = line?.split(/\s+/).at(-1);
    return last === undefined ? null : Number(last);
  } catch {
    return null; // gone
  }
}

/** One booted systemd; `stop()` kills it and everything in its namespaces. */
export class BootedSystemd {
  /** The host's cgroup directory that is the namespace's cgroup root. */
  readonly cgroup: string;
  private unshare: ChildProcess | null = null;
  /** systemd's PID on the host. */
  initPid = 0;
  /** What enter.sh and unshare printed (a failed mount, unshare's own complaints). */
  output = "";

  constructor(
    /** The test's dir: the only path writable inside (same path). */
    readonly dir: string,
    /** The unit files to copy into /run/systemd/system (must include upkeep-test.target). */
    readonly unitsDir: string,
  ) {
    this.cgroup = join(cgroup2Mount()!, `upkeep-systemd-test-${randomBytes(4).toString("hex")}`);
  }

  /** Boots systemd and waits until it answers systemctl. */
  async boot(): Promise<void> {
    mkdirSync(this.cgroup);
    // The shell joins the test's cgroup before the namespaces are made: its cgroup namespace
    // is rooted there, and systemd's whole tree grows below it.
    this.unshare = spawn(
      "sh",
      [
        "-c",
        'echo $$ > "$0/cgroup.procs" && exec unshare --pid --mount --cgroup --net --uts --ipc --fork --mount-proc "$1" "$2" "$3"',
        this.cgroup,
        ENTER,
        this.dir,
        this.unitsDir,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const unshare = this.unshare;
    unshare.stdout?.on("data", (d: Buffer) => (this.output += d.toString()));
    unshare.stderr?.on("data", (d: Buffer) => (this.output += d.toString()));
    this.initPid = await waitFor(
      () => {
        if (unshare.exitCode !== null) throw new Error(`unshare exited ${unshare.exitCode}: ${this.output}`);
        const children = readFileSync(`/proc/${unshare.pid}/task/${unshare.pid}/children`, "utf8").trim();
        return children === "" ? null : Number(children.split(" ")[0]);
      },
      { what: "systemd to run as PID 1 of the namespaces", timeout: 10_000 },
    );
    await waitFor(() => this.systemctl("is-system-running").stdout.trim() !== "", {
      what: "systemd to answer systemctl",
      timeout: 30_000,
    });
  }

  /** systemctl inside the namespaces. */
  systemctl(...args: string[]): { code: number; stdout: string; stderr: string } {
    const r = spawnSync(
      "nsenter",
      ["-t", String(this.initPid), "-m", "-p", "systemctl", "--no-pager", ...args],
      { encoding: "utf8", timeout: 120_000 },
    );
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  /** One property of a unit (`systemctl show -p NAME --value`). */
  property(unit: string, name: string): string {
    return this.systemctl("show", "-p", name, "--value", unit).stdout.trim();
  }

  /** Kills systemd (the kernel then kills every process of its PID namespace) and removes its cgroups. */
  async stop(): Promise<void> {
    const unshare = this.unshare;
    if (unshare && unshare.exitCode === null && unshare.signalCode === null) {
      const exited = new Promise((r) => unshare.once("exit", r));
      if (this.initPid !== 0) process.kill(this.initPid, "SIGKILL");
      else unshare.kill("SIGKILL");
      await exited;
    }
    await waitFor(() => removeCgroupTree(this.cgroup), {
      what: `the test's cgroup tree ${this.cgroup} to be empty and removed`,
      timeout: 10_000,
    });
  }
}

/** rmdir, bottom up; true once the whole tree is gone. */
function removeCgroupTree(dir: string): boolean {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return true; // gone already
  }
  for (const entry of entries) if (entry.isDirectory()) removeCgroupTree(join(dir, entry.name));
  try {
    rmdirSync(dir);
    return true;
  } catch {
    return false; // a process is still being reaped: the caller tries again
  }
}
