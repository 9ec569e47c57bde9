import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { makeTempConfig, sendJson, startCannedDaemon } from "./canned-daemon.test-support.js";

const MAIN = fileURLToPath(new URL("./main.js", import.meta.url));

/** Runs the built CLI as its own process, the way bin/upkeep does. */
function cli(args: string[], cwd?: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [MAIN, ...args], {
    encoding: "utf8",
    cwd,
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test("usage errors exit 2 with the message and hint on stderr", () => {
  const result = cli(["status", "--jsn"]);
  assert.equal(result.status, 2);
  assert.equal(result.stdout, "");
  assert.equal(
    result.stderr,
    "upkeep: status: unknown flag '--jsn' (did you mean --json?)\n  hint: valid flags here: --json, --check, -q/--quiet, -h/--help\n",
  );
});

test("no command prints the overview on stderr and exits 2; --help prints it on stdout", () => {
  const none = cli([]);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /^upkeep: keeps daemons running on Linux\n/);
  const help = cli(["--help"]);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Commands:\n {2}daemon \[--detach\] \[--force\]/);
  assert.ok(!help.stdout.includes("import"), "commands of later versions are not listed");
});

test("--version prints the package version", () => {
  const result = cli(["--version"]);
  assert.equal(result.status, 0);
  assert.match(result.stdout, /^upkeep \d+\.\d+\.\d+\n$/);
});

test("no daemon: exit 3 with the exact command that starts it", () => {
  const { dir, configFile, stateDir } = makeTempConfig();
  try {
    const result = cli(["--config", configFile, "status"], dir);
    assert.equal(result.status, 3);
    assert.equal(
      result.stderr,
      `upkeep: the daemon is not running (no answer on ${stateDir}/upkeep.sock).\n` +
        `  hint: start it with: upkeep --config ${configFile} daemon --detach\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an error from the daemon exits with its catalogue code and prints its problems", async () => {
  const daemon = await startCannedDaemon((_req, res) =>
    sendJson(res, 400, {
      error: {
        code: "CONFIG_INVALID",
        message: "the config has 1 problem",
        hint: "fix it",
        details: { problems: ["f:2:3: a.b: bad"] },
      },
    }),
  );
  try {
    // spawnSync would block the event loop that serves the canned daemon: run it async.
    const { spawn } = await import("node:child_process");
    const child = spawn(process.execPath, [MAIN, "--config", daemon.configFile, "reload-config"], {
      cwd: daemon.dir,
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
    const status = await new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    assert.equal(status, 2);
    assert.equal(stderr, "upkeep: the config has 1 problem\nf:2:3: a.b: bad\n  hint: fix it\n");
  } finally {
    await daemon.close();
  }
});
