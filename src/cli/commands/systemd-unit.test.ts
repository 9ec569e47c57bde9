import assert from "node:assert/strict";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync, lstatSync, rmSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { UpkeepError } from "../../core/errors.js";
import { parseArgv } from "../args.js";
import { captureIo, makeTempConfig } from "../canned-daemon.test-support.js";
import { COMMANDS } from "../command-table.js";

/** Runs `upkeep --config FILE systemd-unit ARGS…` in-process; returns the exit code and output. */
async function systemdUnit(
  configFile: string,
  ...args: string[]
): Promise<{ code: number; out: string; err: string }> {
  const parsed = parseArgv(["--config", configFile, "systemd-unit", ...args], COMMANDS);
  assert.equal(parsed.kind, "run");
  if (parsed.kind !== "run") throw new Error("not a command");
  const capture = captureIo("/");
  const code = await (await parsed.command.spec.load()).run(parsed.command, capture.io);
  return { code, out: capture.out(), err: capture.err() };
}

test("prints the unit without a daemon: this node, the real path of the CLI, the absolute config", async () => {
  const { dir, configFile } = makeTempConfig(["web"]);
  try {
    const { code, out } = await systemdUnit(configFile);
    assert.equal(code, 0);
    const execStart = out.split("\n").find((l) => l.startsWith("ExecStart="));
    assert.ok(execStart?.startsWith(`ExecStart=${process.execPath} --max-semi-space-size=1`), execStart);
    assert.ok(execStart?.endsWith(`--config ${configFile} daemon`), execStart);
    const withExec = await systemdUnit(configFile, "--exec", "/usr/bin/upkeep");
    assert.ok(withExec.out.includes(`\nExecStart=/usr/bin/upkeep --config ${configFile} daemon\n`));
    assert.ok(withExec.out.includes(`\nExecReload=/usr/bin/upkeep --config ${configFile} reload-config\n`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a relative --exec and a config with problems are refused", async () => {
  const { dir, configFile } = makeTempConfig(["web"]);
  try {
    await assert.rejects(systemdUnit(configFile, "--exec", "bin/upkeep"), (err: unknown) => {
      assert.ok(err instanceof UpkeepError && err.code === "USAGE_INVALID", String(err));
      return true;
    });
    writeFileSync(configFile, "services:\n  web:\n    command: [sleep, '1']\n    restart: sometimes\n");
    const bad = await systemdUnit(configFile);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /restart/);
    assert.match(bad.err, /no unit written/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("--install writes the unit once, keeps a different one unless --force, and replaces a symlink without writing through it", async () => {
  const { dir, configFile } = makeTempConfig(["web"]);
  const units = join(dir, "units");
  const unit = join(units, "upkeep.service");
  mkdirSync(units);
  try {
    const first = await systemdUnit(configFile, "--install", "--unit-dir", units);
    assert.equal(first.code, 0);
    assert.match(
      first.out,
      /^wrote .*upkeep\.service\nnext: systemctl daemon-reload && systemctl enable --now upkeep\n$/,
    );
    assert.equal(lstatSync(unit).mode & 0o777, 0o644);
    const printed = (await systemdUnit(configFile)).out;
    assert.equal(readFileSync(unit, "utf8"), printed, "the file is what the command prints");
    const again = await systemdUnit(configFile, "--install", "--unit-dir", units);
    assert.match(again.out, /already this unit; nothing written/);

    writeFileSync(unit, "[Service]\nExecStart=/bin/true\n");
    await assert.rejects(systemdUnit(configFile, "--install", "--unit-dir", units), (err: unknown) => {
      assert.ok(err instanceof UpkeepError && err.code === "SYSTEMD_UNIT_EXISTS", String(err));
      assert.match(err.hint ?? "", /--force/);
      return true;
    });
    assert.equal(readFileSync(unit, "utf8"), "[Service]\nExecStart=/bin/true\n", "kept as it was");
    const forced = await systemdUnit(configFile, "--install", "--force", "--unit-dir", units);
    assert.match(forced.out, /^replaced /);
    assert.equal(readFileSync(unit, "utf8"), printed);

    const elsewhere = join(dir, "elsewhere.service");
    writeFileSync(elsewhere, "someone else's file\n");
    rmSync(unit);
    symlinkSync(elsewhere, unit);
    await assert.rejects(systemdUnit(configFile, "--install", "--unit-dir", units), /exists and differs/);
    await systemdUnit(configFile, "--install", "--force", "--unit-dir", units);
    assert.ok(lstatSync(unit).isFile(), "the link itself was replaced");
    assert.equal(readFileSync(elsewhere, "utf8"), "someone else's file\n", "its target was not written");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("--install into a folder that does not exist says what is wrong", async () => {
  const { dir, configFile } = makeTempConfig(["web"]);
  try {
    await assert.rejects(
      systemdUnit(configFile, "--install", "--unit-dir", join(dir, "missing")),
      (err: unknown) => {
        assert.ok(err instanceof UpkeepError && err.code === "SYSTEMD_UNIT_NOT_WRITTEN", String(err));
        assert.match(err.hint ?? "", /does not exist/);
        return true;
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
