/**
 * An unprivileged user of the test's own making, for tests of a state dir that someone else
 * prepared: created in before() with useradd, removed in after() with userdel. Its commands
 * run through setpriv with its uid and gid and no supplementary groups.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import { CLI, TestEnv } from "./daemon.js";
import { waitFor } from "./wait-for.js";

/** Why a hostile-user test cannot run here, or false when it can (it needs root). */
export const NEEDS_ROOT =
  process.getuid?.() !== 0
    ? "needs root: the test creates a user, and the daemon must run as root against that user's dir"
    : false;

export class HostileUser {
  private constructor(
    readonly name: string,
    readonly uid: number,
    readonly gid: number,
    private readonly groups: readonly string[],
  ) {}

  /**
   * useradd a system user without home or login shell, named `<prefix>-<random>`, member of
   * `groups` (none by default: its commands then run with no supplementary group at all).
   */
  static create(options: { prefix?: string; groups?: string[] } = {}): HostileUser {
    const name = `${options.prefix ?? "upkeep-hostile"}-${randomBytes(4).toString("hex")}`;
    const groups = options.groups ?? [];
    const extra = groups.length > 0 ? ["-G", groups.join(",")] : [];
    execFileSync("useradd", ["-r", "-M", "-s", "/usr/sbin/nologin", ...extra, name], { stdio: "pipe" });
    const uid = Number(execFileSync("id", ["-u", name], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", name], { encoding: "utf8" }).trim());
    return new HostileUser(name, uid, gid, groups);
  }

  /** Runs `command` as this user; throws with its stderr when it fails. */
  run(command: string, ...args: string[]): string {
    return execFileSync("setpriv", this.privArgs(command, args), {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      cwd: "/",
    });
  }

  /** Runs `command` as this user and returns its exit code and output, failing or not. */
  try(command: string, ...args: string[]): { code: number; stdout: string; stderr: string } {
    const r = spawnSync("setpriv", this.privArgs(command, args), {
      encoding: "utf8",
      cwd: "/",
      timeout: 30_000,
    });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  private privArgs(command: string, args: string[]): string[] {
    const groups = this.groups.length > 0 ? "--init-groups" : "--clear-groups";
    return [`--reuid=${this.uid}`, `--regid=${this.gid}`, groups, "--", command, ...args];
  }

  /** Runs a shell script as this user. */
  sh(script: string): string {
    return this.run("/bin/sh", "-c", script);
  }

  remove(): void {
    execFileSync("userdel", [this.name], { stdio: "pipe" });
  }
}

/** A root-owned 0600 file with known content, in a folder only root can enter. */
export class Victim {
  private readonly dir = mkdtempSync(join(tmpdir(), "upkeep-victim-"));
  readonly path = join(this.dir, "secret");
  readonly content = `root's own file ${randomBytes(8).toString("hex")}\n`;

  constructor() {
    const fd = openSync(this.path, "wx", 0o600);
    writeSync(fd, this.content);
    closeSync(fd);
  }

  /** Still exactly as written. */
  untouched(): boolean {
    return readFileSync(this.path, "utf8") === this.content;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A daemon run that is expected to stop by itself; killed if it has not after `timeoutMs`. */
export interface DaemonRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Starts `upkeep daemon` on `stateDir` in the background. */
export function spawnDaemon(configFile: string, stateDir: string, marker: string): ChildProcess {
  return spawn(process.execPath, [CLI, "--config", configFile, "--state-dir", stateDir, "daemon"], {
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
    env: { ...process.env, UPKEEP_TEST_MARKER: marker },
  });
}

/**
 * Runs `upkeep daemon` on `stateDir` and waits for it to exit by itself (it must refuse the
 * dir). A daemon still running after `timeoutMs` accepted the dir: it is stopped and the run
 * reported with code null.
 */
export async function runDaemonToExit(
  configFile: string,
  stateDir: string,
  marker: string,
  timeoutMs = 10_000,
): Promise<DaemonRun> {
  const child = spawnDaemon(configFile, stateDir, marker);
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<DaemonRun>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal, output })),
  );
  const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
  const run = await exited;
  clearTimeout(timer);
  // The streams may still hold the last lines after the exit event.
  await waitFor(() => child.stdout!.readableEnded && child.stderr!.readableEnded, {
    what: "the daemon's output to end",
    timeout: 5_000,
  });
  return { ...run, output, code: run.signal === null ? run.code : null };
}

/**
 * One describe block's world against a hostile user: the user (created in before()), the
 * test's own TestEnv with a ticker service, root-owned victim files, and fresh paths under /tmp
 * where anyone may create things; after() removes them all, the user last, also when the
 * teardown found processes left behind.
 */
export class HostileWorld {
  readonly env = new TestEnv();
  private user: HostileUser | null = null;
  private readonly victims: Victim[] = [];
  private readonly paths: string[] = [];

  constructor() {
    before(() => {
      this.user = HostileUser.create();
      this.env.writeConfig(`services:\n  t:\n    command: ["{fixtures}/ticker", "{marker}", "0.2"]\n`);
    });
    after(async () => {
      try {
        for (const path of this.paths) rmSync(path, { recursive: true, force: true });
        for (const victim of this.victims) victim.remove();
        await this.env.teardown();
      } finally {
        this.user?.remove();
      }
    });
  }

  get hostile(): HostileUser {
    if (this.user === null) throw new Error("the hostile user exists only once before() ran");
    return this.user;
  }

  /** A root file of its own for each test: one written through a link fails that test only. */
  newVictim(): Victim {
    const victim = new Victim();
    this.victims.push(victim);
    return victim;
  }

  /** A fresh path under /tmp, removed after the tests. */
  newPath(): string {
    const path = join("/tmp", `upkeep-hostile-dir-${randomBytes(6).toString("hex")}`);
    this.paths.push(path);
    return path;
  }
}
