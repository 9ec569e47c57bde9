/**
 * The unit `upkeep systemd-unit` prints passes `systemd-analyze verify` (systemd's own parser
 * and checks: known settings, valid values, an executable ExecStart), also for a config in a
 * folder whose name needs quoting. Runs wherever systemd-analyze is installed; PID 1 need not
 * be systemd.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { CLI } from "../helpers/daemon.js";

const skip =
  spawnSync("systemd-analyze", ["--version"]).status === 0 ? false : "systemd-analyze is not installed";

test("systemd-analyze verify accepts the printed unit", { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), "upkeep-unit-"));
  try {
    const configDir = join(dir, "odd 50% $dir");
    mkdirSync(configDir);
    const configFile = join(configDir, "upkeep.yaml");
    writeFileSync(
      configFile,
      [
        "services:",
        "  db:",
        '    command: [sleep, "1000"]',
        "  web:",
        '    command: [sleep, "1000"]',
        "    after: [db]",
        "",
      ].join("\n"),
    );
    const printed = spawnSync(process.execPath, [CLI, "--config", configFile, "systemd-unit"], {
      encoding: "utf8",
    });
    assert.equal(printed.status, 0, printed.stderr);
    const unit = join(dir, "upkeep.service");
    writeFileSync(unit, printed.stdout);
    const verify = spawnSync("systemd-analyze", ["verify", unit], { encoding: "utf8" });
    assert.equal(verify.status, 0, `systemd-analyze verify: ${verify.stdout}${verify.stderr}`);
    assert.doesNotMatch(verify.stdout + verify.stderr, /upkeep\.service/, "no remark about the unit");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
