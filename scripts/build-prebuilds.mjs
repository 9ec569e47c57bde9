#!/usr/bin/env node
// Builds the binaries the npm package ships in prebuilds/linux-<arch>/ (run by `npm pack`'s
// prepack; docs/install.md): upkeep's addon (upkeep_native.node, Node-API: one build serves
// every Node version), the upkeep-fifo-holder program, and better-sqlite3's addon for this Node's
// ABI (better_sqlite3-abi<N>.node: better-sqlite3 binds V8 directly, so one build serves one
// Node major). x64 with the machine's gcc, arm64 with Debian's aarch64-linux-gnu tool chain
// (gcc-aarch64-linux-gnu, g++-aarch64-linux-gnu). UPKEEP_PREBUILD_ARCHES="x64" builds fewer.
//
// upkeep's own C is compiled directly (a few files, no generated code): 2 s per target. SQLite
// is compiled through better-sqlite3's binding.gyp with node-gyp, for its defines; for a
// foreign target that takes one to two minutes here, so the result is kept in
// ~/.cache/upkeep-prebuilds/ (or $XDG_CACHE_HOME's) under better-sqlite3's version, the target
// and the ABI, where `npm ci` does not remove it.
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  closeSync,
  rmSync,
} from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), "..");
// Each target's ELF machine number, its GNU triplet's prefix when cross-compiling, and the
// Debian packages that hold that tool chain.
const TARGETS = {
  x64: { elfMachine: 62, prefix: "x86_64-linux-gnu-", debian: "gcc-x86-64-linux-gnu g++-x86-64-linux-gnu" },
  arm64: {
    elfMachine: 183,
    prefix: "aarch64-linux-gnu-",
    debian: "gcc-aarch64-linux-gnu g++-aarch64-linux-gnu",
  },
};

/** The compilers for `arch`: the machine's own for its own architecture, else the cross ones. */
function toolsFor(arch) {
  const target = TARGETS[arch];
  const prefix = arch === process.arch ? "" : target.prefix;
  const debian = arch === process.arch ? "build-essential" : target.debian;
  return {
    ...target,
    cc: `${prefix}gcc`,
    cxx: `${prefix}g++`,
    strip: `${prefix}strip`,
    ar: `${prefix}ar`,
    debian,
  };
}
const ABI = process.versions.modules;
const SQLITE_NAME = `better_sqlite3-abi${ABI}.node`;

function fail(message, hint) {
  console.error(`build-prebuilds: ${message}`);
  if (hint) console.error(`  hint: ${hint}`);
  process.exit(1);
}

/** Runs a build step; its output (compiler warnings of code not ours) is shown only when it fails. */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: "utf8", maxBuffer: 64 << 20, ...options });
  if (result.error) fail(`${command}: ${result.error.message}`);
  if (result.status !== 0) {
    process.stderr.write(`${result.stdout}${result.stderr}`.slice(-8000));
    fail(`${command} ${args.join(" ")} exited with ${result.status ?? result.signal}`);
  }
}

function hasTool(name) {
  return spawnSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" }).status === 0;
}

/** The folder holding include/node/ for this Node (Debian's and nodejs.org's: the install prefix). */
function findNodeDir() {
  const candidates = [process.env.npm_config_nodedir, dirname(dirname(process.execPath))].filter(Boolean);
  const found = candidates.find((dir) => existsSync(join(dir, "include/node/node_api.h")));
  if (!found)
    fail(
      `no Node headers (include/node/node_api.h) under ${candidates.join(" or ")}`,
      "install Node.js with its headers (Debian: the nodejs package from the same source as node)",
    );
  return found;
}

/** Checks that `file` is an ELF object for the target (a wrong compiler would otherwise pass). */
function checkElf(file, target) {
  const header = Buffer.alloc(20);
  const fd = openSync(file, "r");
  readSync(fd, header, 0, 20, 0);
  closeSync(fd);
  if (header.readUInt32BE(0) !== 0x7f454c46 || header.readUInt16LE(18) !== target.elfMachine) {
    fail(`${file} is not an ELF file for machine ${target.elfMachine}`);
  }
}

function buildUpkeep(arch, target, outDir, nodeDir) {
  const gyp = JSON.parse(readFileSync(join(ROOT, "binding.gyp"), "utf8"));
  const addon = gyp.targets.find((t) => t.target_name === "upkeep_native");
  const holder = gyp.targets.find((t) => t.target_name === "upkeep-fifo-holder");
  const include = `-I${join(nodeDir, "include/node")}`;
  run(
    target.cc,
    [
      ...addon.cflags,
      "-fPIC",
      "-shared",
      "-s",
      include,
      ...addon.sources,
      "-o",
      join(outDir, "upkeep_native.node"),
    ],
    { cwd: ROOT },
  );
  run(target.cc, [...holder.cflags, "-s", ...holder.sources, "-o", join(outDir, "upkeep-fifo-holder")], {
    cwd: ROOT,
  });
  checkElf(join(outDir, "upkeep_native.node"), target);
  checkElf(join(outDir, "upkeep-fifo-holder"), target);
  console.error(`build-prebuilds: linux-${arch}: upkeep_native.node, upkeep-fifo-holder`);
}

function buildSqlite(arch, target, outDir, nodeDir) {
  const require = createRequire(join(ROOT, "package.json"));
  const source = dirname(require.resolve("better-sqlite3/package.json"));
  const { version } = JSON.parse(readFileSync(join(source, "package.json"), "utf8"));
  const cacheDir = join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "upkeep-prebuilds");
  const cached = join(cacheDir, `better-sqlite3-${version}-linux-${arch}-abi${ABI}.node`);
  if (!existsSync(cached)) {
    const local = join(source, "build/Release/better_sqlite3.node");
    mkdirSync(cacheDir, { recursive: true });
    if (arch === process.arch && existsSync(local)) {
      copyFileSync(local, cached); // npm ci built it for this machine and this Node
    } else {
      const work = join(cacheDir, `work-${arch}`);
      rmSync(work, { recursive: true, force: true });
      for (const part of ["binding.gyp", "deps", "src", "package.json"])
        cpSync(join(source, part), join(work, part), { recursive: true });
      const nodeGyp =
        process.env.npm_config_node_gyp ??
        require.resolve("node-gyp/bin/node-gyp.js", {
          paths: [dirname(process.execPath), "/usr/lib/node_modules/npm"],
        });
      console.error(
        `build-prebuilds: linux-${arch}: compiling SQLite (better-sqlite3 ${version}), about a minute`,
      );
      const env = { ...process.env, CC: target.cc, CXX: target.cxx, LINK: target.cxx, AR: target.ar };
      run(
        process.execPath,
        [
          nodeGyp,
          "rebuild",
          "--release",
          `--arch=${arch}`,
          `--nodedir=${nodeDir}`,
          "-j",
          "2",
          "--loglevel=error",
        ],
        { cwd: work, env },
      );
      copyFileSync(join(work, "build/Release/better_sqlite3.node"), cached);
      rmSync(work, { recursive: true, force: true });
    }
    run(target.strip, ["--strip-unneeded", cached]);
  }
  checkElf(cached, target);
  copyFileSync(cached, join(outDir, SQLITE_NAME));
  console.error(`build-prebuilds: linux-${arch}: ${SQLITE_NAME} (better-sqlite3 ${version})`);
}

const arches = (process.env.UPKEEP_PREBUILD_ARCHES ?? "x64 arm64").split(/[\s,]+/).filter(Boolean);
const nodeDir = findNodeDir();
for (const arch of arches) {
  if (!TARGETS[arch])
    fail(
      `unknown architecture ${arch} in UPKEEP_PREBUILD_ARCHES`,
      `use some of: ${Object.keys(TARGETS).join(" ")}`,
    );
  const target = toolsFor(arch);
  for (const tool of [target.cc, target.cxx, target.strip]) {
    if (!hasTool(tool))
      fail(
        `${tool} not found: cannot build the linux-${arch} binaries`,
        `apt-get install -y ${target.debian}   (or UPKEEP_PREBUILD_ARCHES="${arches.filter((a) => a !== arch).join(" ")}" to pack without them)`,
      );
  }
  const outDir = join(ROOT, "prebuilds", `linux-${arch}`);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  buildUpkeep(arch, target, outDir, nodeDir);
  buildSqlite(arch, target, outDir, nodeDir);
}
