import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { native } from "../core/native.js";

const MODULE = fileURLToPath(new URL("./daemon-log-file.js", import.meta.url));

test(
  "daemon.log as stderr rotates at line ends past max_size, keeps `keep` old files, and stderr follows the new file",
  { skip: native?.dupOnto === undefined ? "needs the native addon's dupOnto (npm rebuild)" : false },
  () => {
    const dir = mkdtempSync(join(tmpdir(), "upkeep-daemon-log-"));
    try {
      const fd = openSync(join(dir, "daemon.log"), "a", 0o600);
      // A child with stderr on daemon.log writes 400 lines of 31 bytes through the rotation
      // (max 1000 bytes, keep 3), then one line straight to descriptor 2, as a crash trace would.
      const script = `
        const { DaemonLogFile } = await import(${JSON.stringify(MODULE)});
        const file = DaemonLogFile.ofStderr(${JSON.stringify(dir)}, { maxSizeBytes: 1000, keep: 3 });
        if (file === null) throw new Error("not recognised as stderr");
        for (let i = 1; i <= 400; i++) {
          const line = "line " + String(i).padStart(24, "0") + "\\n";
          const problem = file.beforeWrite(Buffer.byteLength(line));
          if (problem) throw new Error(problem);
          process.stderr.write(line);
        }
        require("node:fs").writeSync(2, "straight to fd 2\\n");
      `.replace('require("node:fs")', '(await import("node:fs"))');
      const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
        stdio: ["ignore", "inherit", fd],
      });
      closeSync(fd);
      assert.equal(r.status, 0, readFileSync(join(dir, "daemon.log"), "utf8").slice(-2000));
      assert.deepEqual(readdirSync(dir).sort(), [
        "daemon.log",
        "daemon.log.1",
        "daemon.log.2",
        "daemon.log.3",
      ]);
      const files = ["daemon.log.3", "daemon.log.2", "daemon.log.1", "daemon.log"].map((f) =>
        readFileSync(join(dir, f), "utf8"),
      );
      for (const text of files.slice(0, 3)) {
        assert.ok(text.length <= 1000 && text.length > 900, `${text.length} bytes`);
        assert.ok(text.endsWith("\n"));
      }
      const lines = files.join("").split("\n").filter(Boolean);
      assert.equal(lines.at(-1), "straight to fd 2", "descriptor 2 names the new daemon.log");
      // The newest lines, in order, with none cut: the oldest went with the dropped files.
      const numbers = lines.slice(0, -1).map((l) => Number(l.slice(5)));
      assert.equal(numbers.at(-1), 400);
      numbers.forEach((n, i) => i > 0 && assert.equal(n, numbers[i - 1]! + 1));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test("a stderr that is not the state dir's daemon.log is not rotated", () => {
  const dir = mkdtempSync(join(tmpdir(), "upkeep-daemon-log-"));
  try {
    const script = `
      const { DaemonLogFile } = await import(${JSON.stringify(MODULE)});
      process.stdout.write(String(DaemonLogFile.ofStderr(${JSON.stringify(dir)}) === null));
    `;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    assert.equal(r.stdout, "true", r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
