/**
 * Helpers for the tests of upkeep's npm package and .deb: one `npm pack` of the checkout, a PATH
 * without a C tool chain, an install into a prefix, and a daemon run from an installed launcher.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, type TestEnv } from "./daemon.js";
import { waitFor } from "./wait-for.js";

/** What a machine without a tool chain lacks: compilers, assemblers, linkers, make, python. */
const TOOL_CHAIN =
  /^(cc|c\+\+|c89|c99|cpp|gcc|g\+\+|clang|clang\+\+|tcc|make|gmake|python|python3|ld|as|node-gyp)([-.0-9].*)?$|linux-gnu|^x86_64-|^aarch64-/;

/**
 * A folder of symlinks to every program on the usual PATH but the tool chain's; returns it as a
 * PATH. So npm, node, sh and coreutils are there, and no cc, g++, make or python3.
 */
export function makeNoCompilerPath(dir: string): string {
  const bin = join(dir, "no-compiler-bin");
  mkdirSync(bin, { recursive: true });
  for (const from of ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]) {
    let names: string[];
    try {
      names = readdirSync(from);
    } catch {
      continue; // not on this machine (a merged /usr has /bin as a link): nothing to add
    }
    for (const name of names) {
      if (TOOL_CHAIN.test(name) || existsSync(join(bin, name))) continue;
      symlinkSync(join(from, name), join(bin, name));
    }
  }
  return bin;
}

/** Runs a command to completion; throws with its output when it fails. */
export function runOk(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {},
): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, {
    encoding: "utf8",
    timeout: options.timeout ?? 120_000,
    cwd: options.cwd ?? REPO_ROOT,
    env: options.env ?? process.env,
    maxBuffer: 64 << 20,
  });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} failed (${result.status ?? result.signal ?? result.error?.message}):\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result;
}

/** `npm pack` of the checkout into `dir` (prepack builds the bundle and the prebuilds); the tarball's path. */
export function packCheckout(dir: string): string {
  const { version } = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as {
    version: string;
  };
  // The first pack on a machine compiles SQLite for arm64 (about a minute, then cached).
  runOk("npm", ["pack", "--pack-destination", dir], { timeout: 400_000 });
  return join(dir, `upkeep-${version}.tgz`);
}

/** The files of a tarball, without npm's leading "package/". */
export function listTarball(tarball: string): string[] {
  return runOk("tar", ["-tzf", tarball])
    .stdout.split("\n")
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ""));
}

/** The files of a process's memory map that end in `.node`, sorted and unique. */
export function mappedNativeFiles(pid: number): string[] {
  const lines = readFileSync(`/proc/${pid}/maps`, "utf8").split("\n");
  const files = lines.map((line) => line.slice(line.indexOf("/"))).filter((f) => f.endsWith(".node"));
  return [...new Set(files)].sort();
}

/** The executables of the running processes whose program is `name` (by /proc/PID/exe). */
export function runningPrograms(name: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const exe = readlinkSync(`/proc/${entry}/exe`);
      if (exe.endsWith(`/${name}`)) found.push(exe);
    } catch {
      // gone during the scan, or a kernel thread: not one of ours
    }
  }
  return found;
}

/**
 * Starts `...command --config <env's config> daemon` with `path` as PATH, records it in `env`
 * (whose teardown stops it), and waits for its socket to answer.
 */
export async function startDaemonWith(env: TestEnv, command: string[], path: string): Promise<void> {
  const [launcher = "", ...args] = command;
  const child = spawn(launcher, [...args, "--config", env.configFile, "daemon"], {
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
    env: { ...process.env, PATH: path, UPKEEP_TEST_MARKER: env.marker },
  });
  child.stdout.on("data", (d: Buffer) => (env.daemonOutput += d.toString()));
  child.stderr.on("data", (d: Buffer) => (env.daemonOutput += d.toString()));
  env.daemon = child;
  const early = new Promise<never>((_, reject) =>
    child.once("exit", (code, signal) =>
      reject(
        new Error(`the daemon exited (${code ?? signal}) before its socket answered:\n${env.daemonOutput}`),
      ),
    ),
  );
  early.catch(() => undefined); // an exit after start-up is the teardown's business
  const answered = waitFor(
    async () => (await env.api("GET", "/api/v1/status").catch(() => null))?.status === 200,
    { what: `the socket of the daemon started by ${launcher} to answer`, timeout: 20_000 },
  );
  answered.catch(() => undefined); // after an early exit it times out unwatched
  await Promise.race([answered, early]);
}
