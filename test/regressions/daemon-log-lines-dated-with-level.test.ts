/**
 * Must never happen again: the daemon's own log lines carry a time of day without a date and
 * no level (`08:26:12.098 web exit: …`), so a log kept for days cannot be read back in order,
 * nor filtered by severity; under systemd they carry a second timestamp and no priority; and
 * there is no machine-readable form. Now: ISO-8601 lines with a level by default, JSON lines
 * with `--log-format json`, `<N>` priorities and no time when stderr is the journal's stream
 * (JOURNAL_STREAM matches stderr's device and inode), and `daemon --detach`'s daemon.log in
 * the text form.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { CLI, withTestEnv, type TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

const CONFIG = `
services:
  ok:
    command: [sleep, "1000", "{marker}"]
  broken:
    command: [sh, -c, "exit 3", "{marker}"]
    backoff: { initial: 10ms }
    start_limit: { burst: 2, interval: 60s }
`;

/** Runs a foreground daemon with stderr on `file` until `broken` failed, then SIGTERM; its lines. */
async function runWithStderrFile(
  env: TestEnv,
  file: string,
  args: string[],
  extraEnv: NodeJS.ProcessEnv,
): Promise<string[]> {
  const fd = openSync(file, "a", 0o600);
  const child = spawn(process.execPath, [CLI, "--config", env.configFile, "daemon", ...args], {
    stdio: ["ignore", "ignore", fd],
    detached: true,
    env: { ...process.env, UPKEEP_TEST_MARKER: env.marker, ...extraEnv },
  });
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  env.daemon = child;
  await waitFor(async () => (await env.status("broken").catch(() => null))?.state === "failed", {
    what: "broken failed",
  });
  child.kill("SIGTERM");
  assert.equal(await exited, 0, readFileSync(file, "utf8"));
  env.daemon = null;
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line !== "");
}

describe("the daemon's own log", () => {
  test("text by default: every line has an ISO-8601 date and time and a level", async () => {
    await withTestEnv(async (env) => {
      env.writeConfig(CONFIG);
      const lines = await runWithStderrFile(env, join(env.dir, "stderr.txt"), [], {});
      const shape = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (info |warn |error) \S/;
      for (const line of lines) assert.match(line, shape);
      assert.ok(
        lines.some((l) => / error broken \w+ → failed: /.test(l)),
        lines.join("\n"),
      );
      assert.ok(
        lines.some((l) => / warn  broken running → backoff: /.test(l)),
        lines.join("\n"),
      );
      assert.ok(
        lines.some((l) => / info  upkeep: daemon running \(PID \d+\)/.test(l)),
        lines.join("\n"),
      );
    });
  });

  test("--log-format json: one JSON object per line with ts, level and msg", async () => {
    await withTestEnv(async (env) => {
      env.writeConfig(CONFIG);
      const lines = await runWithStderrFile(env, join(env.dir, "stderr.txt"), ["--log-format", "json"], {});
      const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      for (const r of records) {
        assert.match(String(r["ts"]), /^\d{4}-\d\d-\d\dT/);
        assert.ok(["info", "warn", "error"].includes(String(r["level"])));
        assert.equal(typeof r["msg"], "string");
      }
      assert.ok(
        records.some((r) => r["service"] === "broken" && r["to"] === "failed" && r["level"] === "error"),
      );
    });
  });

  test("under systemd (JOURNAL_STREAM names stderr): <N> priorities, no time; another stream: text", async () => {
    await withTestEnv(async (env) => {
      env.writeConfig(CONFIG);
      const file = join(env.dir, "journal.txt");
      closeSync(openSync(file, "a", 0o600));
      const { dev, ino } = statSync(file);
      const lines = await runWithStderrFile(env, file, [], { JOURNAL_STREAM: `${dev}:${ino}` });
      for (const line of lines) assert.match(line, /^<[346]>\S/);
      assert.ok(
        lines.some((l) => l.startsWith("<3>broken ")),
        lines.join("\n"),
      );
      assert.ok(!lines.some((l) => /\d\d:\d\d:\d\d/.test(l.slice(0, 20))), "no timestamp of its own");

      // JOURNAL_STREAM inherited, naming another stream (journal.txt) than this stderr.
      const other = await runWithStderrFile(env, join(env.dir, "other.txt"), [], {
        JOURNAL_STREAM: `${dev}:${ino}`,
      });
      for (const line of other) assert.match(line, /^\d{4}-\d\d-\d\dT/);
    });
  });

  test("daemon --detach writes daemon.log in the text form", async () => {
    await withTestEnv(async (env) => {
      env.writeConfig(CONFIG);
      const started = env.cli("daemon", "--detach");
      assert.equal(started.code, 0, started.stderr);
      await waitFor(async () => (await env.status("broken").catch(() => null))?.state === "failed", {
        what: "broken failed",
      });
      assert.equal(env.cli("shutdown").code, 0);
      const lines = readFileSync(join(env.stateDir, "daemon.log"), "utf8").split("\n").filter(Boolean);
      for (const line of lines)
        assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (info |warn |error) /);
      assert.ok(lines.some((l) => / error broken \w+ → failed: /.test(l)));
    });
  });
});
