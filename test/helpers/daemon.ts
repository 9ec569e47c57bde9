import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { waitFor } from "./wait-for.js";

/** Repository root (tests run from dist/test/helpers). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const CLI = join(REPO_ROOT, "dist/bundle/cli/main.mjs");
export const FIXTURES = join(REPO_ROOT, "test/fixtures/bin");

/**
 * One test's world: its own temp dir, config file and state dir, and a unique marker that
 * every service of the test carries in its argv so teardown can find (and must not find) them.
 */
export class TestEnv {
  readonly dir = mkdtempSync(join(tmpdir(), "upkeep-it-"));
  readonly marker = `upkeep-test-${randomBytes(6).toString("hex")}`;
  readonly configFile = join(this.dir, "upkeep.yaml");
  readonly stateDir = join(this.dir, "state");
  daemon: ChildProcess | null = null;
  daemonOutput = "";

  /**
   * Write the config; `{marker}` and `{fixtures}` in the text are substituted. Without an
   * `http:` key of its own the test's daemon serves no HTTP: tests run side by side, and the
   * default port is one.
   */
  writeConfig(yaml: string): void {
    const text = yaml.replaceAll("{marker}", this.marker).replaceAll("{fixtures}", FIXTURES);
    // The HTTP listener stays off unless the test asks for it; added last, so that the line
    // numbers a test expects in config problems are those of its own text (after state_dir).
    const http = /^http:/m.test(text) ? "" : `${text.endsWith("\n") ? "" : "\n"}http: false\n`;
    writeFileSync(this.configFile, `state_dir: ./state\n${text}${http}`);
  }

  /** Start `upkeep daemon` in the foreground (as a child of the test) and wait for its socket. */
  async startDaemon(): Promise<ChildProcess> {
    const child = spawn(process.execPath, [CLI, "--config", this.configFile, "daemon"], {
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
      // Every service inherits the daemon's environment, so every process of the test carries
      // the marker, also grandchildren whose argv does not.
      env: { ...process.env, UPKEEP_TEST_MARKER: this.marker },
    });
    child.stdout.on("data", (d: Buffer) => (this.daemonOutput += d.toString()));
    child.stderr.on("data", (d: Buffer) => (this.daemonOutput += d.toString()));
    this.daemon = child;
    // A daemon that exits (a bad config, a held lock) fails the wait at once, with its output.
    const early = new Promise<never>((_, reject) =>
      child.once("exit", (code, signal) =>
        reject(
          new Error(
            `the daemon exited (${code ?? signal}) before its socket answered:\n${this.daemonOutput}`,
          ),
        ),
      ),
    );
    early.catch(() => undefined); // an exit after start-up is the teardown's business
    const answered = waitFor(
      async () => (await this.api("GET", "/api/v1/status").catch(() => null))?.status === 200,
      {
        what: "the daemon's socket to answer",
        timeout: 20_000,
      },
    );
    answered.catch(() => undefined); // after an early exit it times out unwatched
    await Promise.race([answered, early]);
    return child;
  }

  /** SIGKILL the daemon (services must survive) and wait until it is gone. */
  async killDaemon(): Promise<void> {
    const child = this.daemon;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
    this.daemon = null;
  }

  /** Run the CLI and collect its result. */
  cli(...args: string[]): { code: number; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [CLI, "--config", this.configFile, ...args], {
      encoding: "utf8",
      timeout: 60_000,
    });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  /** A request to the API over the control socket. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
    return new Promise((resolvePromise, reject) => {
      const req = request({ socketPath: join(this.stateDir, "upkeep.sock"), method, path }, (res) => {
        let text = "";
        res.on("data", (d: Buffer) => (text += d.toString()));
        res.on("end", () =>
          resolvePromise({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : null }),
        );
      });
      req.on("error", reject);
      if (body !== undefined) req.end(JSON.stringify(body));
      else req.end();
    });
  }

  async status(name: string): Promise<any> {
    const r = await this.api("GET", `/api/v1/services/${name}`);
    return r.json;
  }

  /** The service's events, oldest first (at most the newest 1000). */
  async events(name: string): Promise<any[]> {
    const r = await this.api("GET", `/api/v1/events?service=${encodeURIComponent(name)}&n=1000`);
    return r.json.events;
  }

  /**
   * Wait until the service is in `state` (and, given `notPid`, runs another process than that
   * one); returns its status.
   */
  waitForService(name: string, state: string, what: string, notPid?: number): Promise<any> {
    return waitFor(
      async () => {
        const s = await this.status(name);
        return s.state === state && (notPid === undefined || s.pid !== notPid) ? s : null;
      },
      { what },
    );
  }

  /**
   * PIDs of live processes whose argv or environment carries this test's marker, but for the
   * daemon's FIFO holder (src/logs/fifo-holder.ts), which is the daemon's and not a service's.
   */
  markedPids(): number[] {
    return findPidsWithArg(this.marker).filter((pid) => !isFifoHolder(pid));
  }

  /** Stop the daemon and everything the test started; fail if a marked process survives. */
  async teardown(): Promise<void> {
    if (this.daemon && this.daemon.exitCode === null && this.daemon.signalCode === null) {
      const exited = new Promise((r) => this.daemon!.once("exit", r));
      this.daemon.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000).unref())]);
      await this.killDaemon();
    }
    // A FIFO holder outlives a daemon killed by SIGKILL by design (src/logs/fifo-holder.ts);
    // it is ended here, not counted as left behind.
    const holders = findPidsWithArg(this.marker).filter(isFifoHolder);
    const left = this.markedPids();
    for (const pid of [...holders, ...left]) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone between the scan and the kill: nothing to clean
      }
    }
    // A cgroup can be removed once its processes are gone (killed ones are reaped by init).
    const killed = [...holders, ...left];
    await waitFor(() => killed.every((pid) => !isAlive(pid)), {
      what: "the killed processes to be gone",
      timeout: 2_000,
    }).catch(() => undefined); // one that lingers keeps its cgroup: a leftover, not a failure
    removeStateCgroup(this.stateDir);
    rmSync(this.dir, { recursive: true, force: true });
    if (left.length) throw new Error(`processes of the test were left running: ${left.join(", ")}`);
  }
}

/**
 * Removes what a test daemon left of its state dir's cgroup subtree (a daemon killed by
 * SIGKILL leaves it, by design): emptied directories only, bottom up.
 */
function removeStateCgroup(stateDir: string): void {
  const mount = readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((line) => line.split(" - "))
    .find(([, right]) => right?.split(" ")[0] === "cgroup2")?.[0]
    ?.split(" ")[4];
  if (mount === undefined) return;
  const remove = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // no such cgroup: nothing to remove
    }
    for (const entry of entries) if (entry.isDirectory()) remove(join(dir, entry.name));
    try {
      rmdirSync(dir);
    } catch {
      // still populated (a process of another test?) or not ours to remove: left as it is
    }
  };
  remove(join(mount, "upkeep", createHash("sha256").update(stateDir).digest("hex").slice(0, 12)));
}

/** The process is a FIFO holder (comm is its program name cut to 15 bytes). */
export function isFifoHolder(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "upkeep-fifo-hol";
  } catch {
    return false;
  }
}

/** The FIFOs a process holds open, by file name, sorted. */
export function heldFifos(pid: number): string[] {
  return readdirSync(`/proc/${pid}/fd`)
    .map((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        return ""; // closed between the listing and the read
      }
    })
    .filter((target) => target.endsWith(".fifo"))
    .map((target) => target.slice(target.lastIndexOf("/") + 1))
    .sort();
}

/** Runs `fn` with a TestEnv of its own, torn down afterwards whatever happens. */
export async function withTestEnv(fn: (env: TestEnv) => Promise<void>): Promise<void> {
  const env = new TestEnv();
  try {
    await fn(env);
  } finally {
    await env.teardown();
  }
}

/** Scan /proc for processes with `arg` somewhere in their argv or environment. */
export function findPidsWithArg(arg: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      if (state === "Z" || Number(entry) === process.pid) continue;
      if (argv.some((a) => a.includes(arg)) || readFileSync(`/proc/${entry}/environ`, "utf8").includes(arg)) {
        pids.push(Number(entry));
      }
    } catch {
      // the process ended during the scan: it is not left over
    }
  }
  return pids;
}

/** True while a process with this PID exists (and is not a zombie). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}
