/**
 * One benchmark world: a temp dir with a config and a state dir, a real `upkeep daemon` run in
 * the foreground as our child, and the teardown that removes everything it made (daemon,
 * services, the services' cgroups, the temp dir). Every live BenchDaemon is tracked so that
 * run.ts can clean up after an error or Ctrl-C.
 */
import { DAEMON_NODE_FLAGS } from "../src/daemon/node-flags.js";
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { detectCgroupRoot, removeCgroup } from "../src/identity/cgroup.js";
import { findCgroup2Mount } from "../src/identity/cgroup-mount.js";
import { findPidsWithMarker, sleep, wallClockMs } from "./proc-usage.js";

/** Repository root (the bench runs from dist/bench). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const CLI = join(REPO_ROOT, "dist/bundle/cli/main.mjs");
const MARKER_VARIABLE = "UPKEEP_BENCH_MARKER";
/** A daemon still running this long after SIGTERM gets SIGKILL (its services are then killed by marker). */
const SHUTDOWN_LIMIT_MS = 90_000;

const live = new Set<BenchDaemon>();
/** Temp dirs of torn-down fleets, removed at the end of the run (see BenchOptions.deferRemoval). */
const leftDirs: string[] = [];

/** Tear down every BenchDaemon still alive (error paths and signals), then remove every temp dir left. */
export async function teardownAll(): Promise<void> {
  for (const bench of [...live]) await bench.teardown();
  removeLeftDirs();
}

/** Removes the temp dirs whose removal was deferred; returns how many files and dirs that was. */
export function removeLeftDirs(): number {
  let entries = 0;
  for (const dir of leftDirs.splice(0)) {
    entries += countEntries(dir);
    rmSync(dir, { recursive: true, force: true });
  }
  return entries;
}

function countEntries(dir: string): number {
  let count = 1;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    count += entry.isDirectory() ? countEntries(join(dir, entry.name)) : 1;
  }
  return count;
}

export interface ApiAnswer {
  status: number;
  json: any;
}

export interface BenchOptions {
  /**
   * false: run the daemon in a private mount namespace where cgroup v2 is mounted read-only, so
   * it places no service in a cgroup (it detects EROFS and runs without). A diagnostic, to show
   * what the cgroup placement costs. Needs root and `unshare`.
   */
  cgroups?: boolean;
  /** Top-level config lines written before `services:` (`incidents: false`). */
  topLevel?: string;
  /**
   * true: the temp dir is removed at the end of the run, not at teardown. A fleet leaves
   * thousands of files, and ext4 without a journal (this kind of machine) skips inodes freed in
   * the last minute or so when it makes new ones: the next fleet's new state dir would be
   * measured on a file system that had just deleted another (shown apart, as a diagnostic).
   */
  deferRemoval?: boolean;
}

export class BenchDaemon {
  readonly dir: string;
  readonly configFile: string;
  readonly stateDir: string;
  readonly socketPath: string;
  /** Carried in the environment of the daemon and so of every service: teardown finds strays by it. */
  readonly marker = `upkeep-bench-${randomBytes(6).toString("hex")}`;
  child: ChildProcess | null = null;
  /** Wall-clock ms (sub-ms precision) right before the daemon was spawned. */
  spawnedAtWallMs = 0;
  /** performance.now() right before the daemon was spawned. */
  spawnedAt = 0;
  /** How long the daemon took from SIGTERM to exit, once torn down (killed: it ran out of time). */
  shutdown: { ms: number; killed: boolean } | null = null;
  private tearing: Promise<void> | null = null;

  private readonly cgroups: boolean;
  private readonly deferRemoval: boolean;

  constructor(label: string, servicesYaml: string, options: BenchOptions = {}) {
    this.cgroups = options.cgroups ?? true;
    this.deferRemoval = options.deferRemoval ?? false;
    this.dir = mkdtempSync(join(tmpdir(), `upkeep-bench-${label}-`));
    this.configFile = join(this.dir, "upkeep.yaml");
    this.stateDir = join(this.dir, "state");
    this.socketPath = join(this.stateDir, "upkeep.sock");
    // The HTTP listener is on, as by default (its idle cost and memory are in every figure), on
    // a port the kernel picks: the bench stays off 9900, which tests or a real daemon may use.
    const top = options.topLevel === undefined ? "" : `${options.topLevel}\n`;
    writeFileSync(
      this.configFile,
      `state_dir: ./state\nhttp: { listen: "127.0.0.1:0" }\n${top}services:\n${servicesYaml}`,
    );
    live.add(this);
  }

  get pid(): number {
    const pid = this.child?.pid;
    if (pid === undefined) throw new Error("the bench daemon is not running");
    return pid;
  }

  /** The daemon's own output (stderr and stdout go to a file: a pipe we read could slow it). */
  get logFile(): string {
    return join(this.dir, "daemon.log");
  }

  /** Spawn the daemon; resolves once its socket answers a status request. */
  async start(timeoutMs = 120_000): Promise<void> {
    const out = openSync(this.logFile, "a");
    this.spawnedAtWallMs = wallClockMs();
    this.spawnedAt = performance.now();
    const [file, ...args] = this.daemonArgv();
    const child = spawn(file!, args, {
      stdio: ["ignore", out, out],
      detached: true,
      env: { ...process.env, [MARKER_VARIABLE]: this.marker },
    });
    closeSync(out);
    this.child = child;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`the bench daemon exited early:\n${readFileSync(this.logFile, "utf8")}`);
      }
      const answer = await this.api("GET", "/api/v1/status").catch(() => null);
      if (answer?.status === 200) return;
      if (performance.now() > deadline)
        throw new Error(`the bench daemon's socket did not answer in ${timeoutMs} ms`);
      await sleep(20);
    }
  }

  /** The daemon's argv; `unshare` and `sh` exec into it, so the child's PID is the daemon's. */
  private daemonArgv(): string[] {
    const daemon = [process.execPath, ...DAEMON_NODE_FLAGS, CLI, "--config", this.configFile, "daemon"];
    const mount = findCgroup2Mount();
    if (this.cgroups || mount === null) return daemon;
    const script = 'mount -o remount,bind,ro "$0" && exec "$@"';
    return ["unshare", "--mount", "sh", "-c", script, mount.mountPoint, ...daemon];
  }

  /**
   * Stop the daemon with SIGTERM and wait for its exit, keeping the state dir (its services
   * are stopped and keep their desired state, so the next start() starts them all again).
   */
  async stopDaemon(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  }

  /** SIGKILL the daemon (its services keep running, as after a crash); teardown kills them. */
  async killDaemon(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
  }

  /** One request to the API over the control socket. */
  api(method: string, path: string, body?: unknown): Promise<ApiAnswer> {
    return new Promise((resolvePromise, reject) => {
      const req = request({ socketPath: this.socketPath, method, path }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (d: Buffer) => chunks.push(d));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString();
          resolvePromise({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : null });
        });
      });
      req.on("error", reject);
      if (body !== undefined) req.end(JSON.stringify(body));
      else req.end();
    });
  }

  /**
   * Stop the daemon (SIGTERM, then SIGKILL after 90 s), kill any process that still carries the
   * marker, remove the services' cgroups (the daemon leaves them behind) and the temp dir.
   */
  teardown(): Promise<void> {
    // One teardown per daemon: a second caller (Ctrl-C during a measure's own cleanup) waits for it.
    this.tearing ??= this.performTeardown().finally(() => live.delete(this));
    return this.tearing;
  }

  private async performTeardown(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      const t0 = performance.now();
      child.kill("SIGTERM");
      const timer = setTimeout(() => {
        this.shutdown = { ms: SHUTDOWN_LIMIT_MS, killed: true };
        child.kill("SIGKILL");
      }, SHUTDOWN_LIMIT_MS);
      await exited;
      clearTimeout(timer);
      this.shutdown ??= { ms: performance.now() - t0, killed: false };
    }
    for (const pid of findPidsWithMarker(MARKER_VARIABLE, this.marker)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch (err) {
        // ESRCH: it ended between the scan and the kill, which is what we wanted.
        if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
      }
    }
    await this.removeCgroups();
    if (this.deferRemoval) leftDirs.push(this.dir);
    else rmSync(this.dir, { recursive: true, force: true });
  }

  /** The daemon names its cgroup subtree `<mount>/upkeep/<sha256(state dir)[0..12]>`. */
  private async removeCgroups(): Promise<void> {
    const root = detectCgroupRoot();
    if (root === null) return;
    const group = createHash("sha256").update(this.stateDir).digest("hex").slice(0, 12);
    const path = join(root, "upkeep", group);
    // A SIGKILLed service's cgroup empties a moment after the kill: retry briefly.
    for (let attempt = 0; attempt < 50 && !removeCgroup(path); attempt++) await sleep(20);
  }
}
