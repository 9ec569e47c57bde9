/**
 * The Debian package built by scripts/build-deb.sh (docs/install.md, "The Debian package"):
 * its contents for amd64 and arm64; `dpkg -i`, then `upkeep --version`, a daemon on a temp
 * config and one on the packaged config from /usr/bin/upkeep; `dpkg -r` keeps the config and the
 * state; `dpkg -P` removes the config and keeps a state dir that holds anything, saying so and
 * how to remove it, and removes an empty one.
 * It installs into this machine's /usr, /etc and /var/lib, so it refuses to run where upkeep's
 * package or /var/lib/upkeep is already there (it would replace someone's install).
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { withTestEnv } from "../helpers/daemon.js";
import { mappedNativeFiles, packCheckout, runOk, startDaemonWith } from "../helpers/package.js";
import { waitFor } from "../helpers/wait-for.js";

const hasDpkg = ["dpkg", "dpkg-deb"].every(
  (tool) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0,
);
const skip =
  process.getuid?.() !== 0
    ? "needs root: dpkg -i installs into /usr, /etc and /var/lib"
    : !hasDpkg
      ? "needs dpkg and dpkg-deb (a Debian system)"
      : false;
const DEB_ARCH = process.arch === "arm64" ? "arm64" : "amd64";
const OTHER_ARCH = DEB_ARCH === "amd64" ? "arm64" : "amd64";
const NODE_ARCH: Record<string, string> = { amd64: "x64", arm64: "arm64" };
const ELF_MACHINE: Record<string, number> = { amd64: 62, arm64: 183 };
const STATE = "/var/lib/upkeep";

let work = "";
const debs: Record<string, string> = {};
let installedHere = false;

function dpkg(...args: string[]): { status: number | null; output: string } {
  const result = spawnSync("dpkg", args, { encoding: "utf8", timeout: 120_000 });
  return { status: result.status, output: result.stdout + result.stderr };
}

function isInstalled(): boolean {
  return spawnSync("dpkg", ["-s", "upkeep"], { stdio: "ignore" }).status === 0;
}

before(() => {
  if (skip !== false) return;
  if (isInstalled() || existsSync(STATE)) {
    throw new Error(
      `upkeep's Debian package or ${STATE} is already on this machine; this test would replace it (remove them first: dpkg -P upkeep; rm -rf ${STATE})`,
    );
  }
  work = mkdtempSync(join(tmpdir(), "upkeep-deb-"));
  const tarball = packCheckout(work);
  for (const arch of [DEB_ARCH, OTHER_ARCH]) {
    const built = runOk("bash", [
      "scripts/build-deb.sh",
      "--arch",
      arch,
      "--tarball",
      tarball,
      "--out",
      work,
    ]);
    debs[arch] = built.stdout.trim().split("\n").at(-1)!;
  }
});

after(() => {
  if (installedHere && isInstalled()) dpkg("-P", "upkeep");
  if (installedHere) rmSync(STATE, { recursive: true, force: true });
  if (work) rmSync(work, { recursive: true, force: true });
});

test(
  "the .deb holds the launcher, the app with its arch's prebuilds only, the conffile and the maintainer scripts",
  { skip },
  () => {
    for (const arch of [DEB_ARCH, OTHER_ARCH]) {
      const root = join(work, `x-${arch}`);
      runOk("dpkg-deb", ["-x", debs[arch]!, root]);
      const info = runOk("dpkg-deb", ["-I", debs[arch]!]).stdout;
      assert.match(info, new RegExp(`Architecture: ${arch}`));
      assert.match(info, /Depends: libc6 \(>= 2\.\d+\)/);
      assert.doesNotMatch(
        info,
        /^ *(Pre-)?Depends:.*nodejs/m,
        "Debian's nodejs is older than 20: no dependency on it",
      );
      assert.equal(runOk("dpkg-deb", ["-f", debs[arch]!, "Package"]).stdout.trim(), "upkeep");
      const conffiles = runOk("sh", [
        "-c",
        `dpkg-deb --ctrl-tarfile ${debs[arch]!} | tar -xOf - ./conffiles`,
      ]).stdout;
      assert.equal(conffiles.trim(), "/etc/upkeep/upkeep.yaml");
      for (const file of [
        "usr/bin/upkeep",
        "usr/lib/upkeep/bin/upkeep",
        "usr/lib/upkeep/dist/bundle/cli/main.mjs",
        "usr/lib/upkeep/docs/cli/status.md",
        "etc/upkeep/upkeep.yaml",
      ]) {
        assert.ok(existsSync(join(root, file)), `${arch}: ${file} is missing`);
      }
      const prebuilt = join(root, "usr/lib/upkeep/prebuilds", `linux-${NODE_ARCH[arch]}`);
      for (const name of [
        "upkeep_native.node",
        "upkeep-fifo-holder",
        `better_sqlite3-abi${process.versions.modules}.node`,
      ]) {
        const header = readFileSync(join(prebuilt, name)).subarray(0, 20);
        assert.equal(header.readUInt16LE(18), ELF_MACHINE[arch], `${arch}: ${name} is for another machine`);
      }
      const other = NODE_ARCH[arch === "amd64" ? "arm64" : "amd64"];
      assert.equal(
        existsSync(join(root, `usr/lib/upkeep/prebuilds/linux-${other}`)),
        false,
        `${arch}: holds ${other} binaries`,
      );
      assert.equal(existsSync(join(root, "usr/lib/upkeep/native")), false, "C sources are not installed");
      assert.equal(
        existsSync(join(root, "var/lib/upkeep")),
        false,
        "the state dir is postinst's, not dpkg's",
      );

      // The unit, the man pages and the completions, made by upkeep's own commands.
      const unit = readFileSync(join(root, "usr/lib/systemd/system/upkeep.service"), "utf8");
      assert.match(unit, /^ExecStart=\/usr\/bin\/upkeep .*daemon/m, "the unit runs the package's launcher");
      assert.match(unit, /^Type=notify$/m);
      assert.doesNotMatch(unit, /upkeep-deb-/, "a path of the build's staging dir leaked into the unit");
      for (const page of ["man1/upkeep.1.gz", "man1/upkeep-status.1.gz", "man5/upkeep.yaml.5.gz"]) {
        assert.ok(existsSync(join(root, "usr/share/man", page)), `${arch}: ${page} is missing`);
      }
      for (const file of [
        "usr/share/bash-completion/completions/upkeep",
        "usr/share/zsh/vendor-completions/_upkeep",
        "usr/share/fish/vendor_completions.d/upkeep.fish",
        "usr/share/doc/upkeep/upgrade.md",
      ]) {
        assert.ok(existsSync(join(root, file)), `${arch}: ${file} is missing`);
      }
    }
  },
);

test(
  "after dpkg -i, /usr/bin/upkeep runs --version, checks Node's version, and runs a daemon on a temp config",
  { skip },
  async () => {
    const installed = dpkg("-i", debs[DEB_ARCH]!);
    installedHere = true;
    assert.equal(installed.status, 0, installed.output);
    assert.equal(statSync(STATE).mode & 0o777, 0o700);
    assert.match(runOk("/usr/bin/upkeep", ["--version"]).stdout, /^upkeep \d+\.\d+\.\d+/);
    // The packaged config is the fallback where there is no --config, $UPKEEP_CONFIG or ./upkeep.yaml.
    const checked = runOk("/usr/bin/upkeep", ["config", "check"], { cwd: work });
    assert.match(checked.stdout, /config OK: \/etc\/upkeep\/upkeep\.yaml/);

    const oldNode = join(work, "node18");
    writeFileSync(oldNode, "#!/bin/sh\necho v18.19.0\n");
    chmodSync(oldNode, 0o755);
    for (const [node, said] of [
      [oldNode, /needs Node\.js 20 or later; `.*node18` is v18\.19\.0/],
      [join(work, "no-such-node"), /needs Node\.js 20 or later, and no `.*no-such-node` runs here/],
    ] as const) {
      const refused = spawnSync("/usr/bin/upkeep", ["--version"], {
        encoding: "utf8",
        env: { ...process.env, UPKEEP_NODE: node },
      });
      assert.equal(refused.status, 2);
      assert.match(refused.stderr, said);
      assert.match(refused.stderr, /hint: install Node\.js 20\+/);
    }

    await withTestEnv(async (env) => {
      env.writeConfig(`services:\n  sleeper:\n    command: [/bin/sh, -c, "exec sleep 600", "{marker}"]\n`);
      await startDaemonWith(env, ["/usr/bin/upkeep"], process.env["PATH"] ?? "");
      await env.waitForService("sleeper", "running", "the service of the packaged daemon to run");
      const prebuilt = `/usr/lib/upkeep/prebuilds/linux-${NODE_ARCH[DEB_ARCH]}`;
      assert.deepEqual(mappedNativeFiles(env.daemon!.pid!), [
        `${prebuilt}/better_sqlite3-abi${process.versions.modules}.node`,
        `${prebuilt}/upkeep_native.node`,
      ]);
    });
  },
);

test(
  "dpkg -r keeps the config and the state; dpkg -P removes the config and keeps a state dir with data, saying so",
  { skip },
  async () => {
    assert.ok(isInstalled(), "installed by the test before");
    // A daemon on the packaged config, from a folder without upkeep.yaml, writes its state.
    const daemon = spawn("/usr/bin/upkeep", ["daemon"], { cwd: work, stdio: "ignore" });
    const exited = new Promise((resolve) => daemon.once("exit", resolve));
    try {
      await waitFor(() => existsSync(join(STATE, "upkeep.sock")), {
        what: `the packaged daemon's socket in ${STATE}`,
      });
    } finally {
      daemon.kill("SIGTERM");
      await exited;
    }
    assert.ok(existsSync(join(STATE, "state.db")));

    const removed = dpkg("-r", "upkeep");
    assert.equal(removed.status, 0, removed.output);
    assert.equal(existsSync("/usr/bin/upkeep"), false);
    assert.equal(existsSync("/usr/lib/upkeep"), false);
    assert.ok(existsSync("/etc/upkeep/upkeep.yaml"), "remove keeps the conffile");
    assert.ok(existsSync(join(STATE, "state.db")), "remove keeps the state");

    const purged = dpkg("-P", "upkeep");
    assert.equal(purged.status, 0, purged.output);
    assert.equal(existsSync("/etc/upkeep"), false, "purge removes the config");
    assert.ok(existsSync(join(STATE, "state.db")), "purge keeps a state dir that holds data");
    assert.match(
      purged.output,
      /upkeep: kept \/var\/lib\/upkeep: .*; remove it with: rm -rf \/var\/lib\/upkeep/,
    );

    // With the state dir emptied, install and purge again: nothing is left and nothing is said.
    rmSync(STATE, { recursive: true, force: true });
    assert.equal(dpkg("-i", debs[DEB_ARCH]!).status, 0);
    const again = dpkg("-P", "upkeep");
    assert.equal(again.status, 0, again.output);
    assert.equal(existsSync(STATE), false, "purge removes an empty state dir");
    assert.doesNotMatch(again.output, /kept/);
  },
);
