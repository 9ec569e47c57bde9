/**
 * The npm package (docs/install.md). `npm pack` ships what runs (the bundle, docs, native
 * sources, prebuilt binaries for linux-x64 and linux-arm64) and nothing of the tests or
 * benches; its tarball installs into a clean prefix on a PATH without a C tool chain, from
 * nothing but the tarball (--offline), and the CLI and the daemon then run with the prebuilt
 * addon, FIFO holder and SQLite binding. Without a prebuilt addon for the machine, the install
 * builds it from source where a tool chain is, and else still succeeds, says so in one line,
 * and the daemon runs its pure-Node paths and says so at start.
 * One pack serves every test (the first on a machine also compiles SQLite for arm64, about a
 * minute; cached after that).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, openSync, readSync, closeSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { withTestEnv } from "../helpers/daemon.js";
import { httpGet } from "../helpers/http-get.js";
import { freePorts } from "../helpers/ports.js";
import {
  listTarball,
  makeNoCompilerPath,
  mappedNativeFiles,
  packCheckout,
  runOk,
  runningPrograms,
  startDaemonWith,
} from "../helpers/package.js";

const ARCH = process.arch;
const SERVICE = `services:\n  sleeper:\n    command: [/bin/sh, -c, "exec sleep 600", "{marker}"]\n`;
const SQLITE = `better_sqlite3-abi${process.versions.modules}.node`;
const ELF_MACHINE: Record<string, number> = { x64: 62, arm64: 183 };

let work = "";
let tarball = "";
let noCompilerPath = "";

before(() => {
  work = mkdtempSync(join(tmpdir(), "upkeep-pack-"));
  tarball = packCheckout(work);
  noCompilerPath = makeNoCompilerPath(work);
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** npm install --global of `file` into `prefix`; returns npm's output. */
function install(file: string, prefix: string, path: string, ...flags: string[]): string {
  const result = runOk(
    "npm",
    [
      "install",
      "--global",
      "--prefix",
      prefix,
      "--offline",
      "--cache",
      join(work, "npm-cache"),
      ...flags,
      file,
    ],
    { env: { ...process.env, PATH: path }, cwd: work },
  );
  return result.stdout + result.stderr;
}

/** The ELF machine number of a file (62 x86-64, 183 aarch64). */
function elfMachine(file: string): number {
  const header = Buffer.alloc(20);
  const fd = openSync(file, "r");
  readSync(fd, header, 0, 20, 0);
  closeSync(fd);
  return header.readUInt16LE(18);
}

/** The same tarball without the prebuilt addon and holder for this machine (an unsupported platform). */
function tarballWithoutAddon(): string {
  const stripped = join(work, "upkeep-without-addon.tgz");
  if (existsSync(stripped)) return stripped;
  const dir = join(work, "unpacked");
  mkdirSync(dir, { recursive: true });
  runOk("tar", ["-xzf", tarball, "-C", dir]);
  rmSync(join(dir, `package/prebuilds/linux-${ARCH}/upkeep_native.node`));
  rmSync(join(dir, `package/prebuilds/linux-${ARCH}/upkeep-fifo-holder`));
  runOk("tar", ["-czf", stripped, "-C", dir, "package"]);
  return stripped;
}

test("npm pack ships the bundle, docs, native sources and prebuilds, and nothing of tests or benches", () => {
  const files = listTarball(tarball);
  const required = [
    "package.json",
    "bin/upkeep",
    "dist/bundle/cli/main.mjs",
    "dist/web/index.html",
    "binding.gyp",
    "native/upkeep_native.c",
    "native/fifo-holder.c",
    "scripts/install-native.mjs",
    "docs/install.md",
    "docs/cli/status.md",
    "node_modules/yaml/package.json",
    "node_modules/shell-quote/package.json",
    "node_modules/nodemailer/package.json",
    ...["x64", "arm64"].flatMap((arch) =>
      ["upkeep_native.node", "upkeep-fifo-holder", SQLITE].map((name) => `prebuilds/linux-${arch}/${name}`),
    ),
  ];
  for (const file of required) assert.ok(files.includes(file), `${file} is missing from the package`);
  const unwanted = files.filter(
    (f) =>
      /^(src|test|bench|examples|build|\.ci)\//.test(f) ||
      (f.startsWith("dist/") && !f.startsWith("dist/bundle/") && !f.startsWith("dist/web/")) ||
      /\.test\.|\.map$|tsbuildinfo/.test(f) ||
      (f.startsWith("scripts/") && f !== "scripts/install-native.mjs") ||
      f.startsWith("node_modules/better-sqlite3/"),
  );
  assert.deepEqual(unwanted, [], "files of the checkout that do not run were packed");
});

test("installed with no compiler on PATH, the CLI and daemon run on the prebuilt addon, FIFO holder and SQLite", async () => {
  for (const tool of ["cc", "gcc", "g++", "make", "python3"]) {
    const found = spawnSync("sh", ["-c", `command -v ${tool}`], { env: { PATH: noCompilerPath } });
    assert.notEqual(found.status, 0, `${tool} is on the PATH meant to have no tool chain`);
  }
  const prefix = join(work, "prefix");
  install(tarball, prefix, noCompilerPath);
  const pkg = join(prefix, "lib/node_modules/upkeep");
  assert.equal(existsSync(join(pkg, "build")), false, "nothing is compiled at install");
  assert.equal(existsSync(join(pkg, "node_modules/better-sqlite3")), false);
  for (const arch of ["x64", "arm64"]) {
    for (const name of ["upkeep_native.node", "upkeep-fifo-holder", SQLITE]) {
      assert.equal(
        elfMachine(join(pkg, "prebuilds", `linux-${arch}`, name)),
        ELF_MACHINE[arch],
        `${arch}/${name}`,
      );
    }
  }
  const launcher = join(prefix, "bin/upkeep");
  const version = runOk(launcher, ["--version"], { env: { ...process.env, PATH: noCompilerPath } });
  assert.match(version.stdout, /^upkeep \d+\.\d+\.\d+/);

  const [port] = await freePorts(1);
  await withTestEnv(async (env) => {
    env.writeConfig(`http: { listen: "127.0.0.1:${port}" }\n${SERVICE}`);
    await startDaemonWith(env, [launcher], noCompilerPath);
    await env.waitForService("sleeper", "running", "the service of the installed daemon to run");
    const prebuilt = join(pkg, "prebuilds", `linux-${ARCH}`);
    assert.deepEqual(mappedNativeFiles(env.daemon!.pid!), [
      join(prebuilt, SQLITE),
      join(prebuilt, "upkeep_native.node"),
    ]);
    assert.ok(runningPrograms("upkeep-fifo-holder").includes(join(prebuilt, "upkeep-fifo-holder")));
    assert.doesNotMatch(env.daemonOutput, /native addon is not loaded/);
    const status = runOk(launcher, ["--config", env.configFile, "status"], {
      env: { ...process.env, PATH: noCompilerPath },
    });
    assert.match(status.stdout, /sleeper\s+running/);
    // The dashboard is in the package too: the installed daemon serves its page.
    const page = await httpGet(port!, "/");
    assert.equal(page.status, 200, page.body);
    assert.match(page.body, /<script[^>]+src="[^"]*assets\/app-[^"]+\.js"/);
  });
});

test("without a prebuilt addon and no compiler, the install succeeds and says in one line that the pure-Node paths run", async () => {
  const prefix = join(work, "prefix-fallback");
  const output = install(
    tarballWithoutAddon(),
    prefix,
    noCompilerPath,
    "--allow-scripts=upkeep",
    "--foreground-scripts",
  );
  const notices = output.split("\n").filter((line) => line.startsWith("upkeep: "));
  assert.equal(notices.length, 1, output);
  assert.match(
    notices[0]!,
    /no native addon for linux-\w+ \(prebuilt: .*; source build: .*\): upkeep will use its pure-Node fallbacks/,
  );
  const pkg = join(prefix, "lib/node_modules/upkeep");
  assert.equal(existsSync(join(pkg, "build")), false, "a failed source build leaves nothing to load");

  await withTestEnv(async (env) => {
    env.writeConfig(SERVICE);
    await startDaemonWith(env, [join(prefix, "bin/upkeep")], noCompilerPath);
    await env.waitForService("sleeper", "running", "the service to run through child_process");
    const notice = env.daemonOutput.split("\n").filter((line) => line.includes("native addon is not loaded"));
    assert.equal(notice.length, 1, env.daemonOutput);
    assert.deepEqual(mappedNativeFiles(env.daemon!.pid!), [join(pkg, "prebuilds", `linux-${ARCH}`, SQLITE)]);
  });
});

test("without a prebuilt addon but with a tool chain, the install builds the addon from source and the daemon uses it", async () => {
  const prefix = join(work, "prefix-source");
  const output = install(
    tarballWithoutAddon(),
    prefix,
    process.env["PATH"] ?? "",
    "--allow-scripts=upkeep",
    "--foreground-scripts",
  );
  assert.match(output, /built it from source/);
  const pkg = join(prefix, "lib/node_modules/upkeep");
  await withTestEnv(async (env) => {
    env.writeConfig(SERVICE);
    await startDaemonWith(env, [join(prefix, "bin/upkeep")], noCompilerPath);
    await env.waitForService("sleeper", "running", "the service of the source-built daemon to run");
    assert.ok(mappedNativeFiles(env.daemon!.pid!).includes(join(pkg, "build/Release/upkeep_native.node")));
    assert.ok(runningPrograms("upkeep-fifo-holder").includes(join(pkg, "build/Release/upkeep-fifo-holder")));
  });
});
