import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { waitFor } from "../../../test/helpers/wait-for.js";
import { UpkeepError } from "../../core/errors.js";
import { runNode } from "../../logs/service-fixtures.js";
import { ServiceLog } from "../../logs/service-log.js";
import { parseArgv } from "../args.js";
import { captureIo, makeTempConfig, type CapturedIo } from "../canned-daemon.test-support.js";
import { COMMANDS } from "../command-table.js";

async function runCommand(argv: string[], capture: CapturedIo): Promise<number> {
  const parsed = parseArgv(argv, COMMANDS);
  if (parsed.kind !== "run") assert.fail(`expected a command, got ${parsed.kind}`);
  const module = await parsed.command.spec.load();
  return module.run(parsed.command, capture.io);
}

/** A temp config with services web and db, and web's output captured as the daemon does. */
async function withCapturedOutput(
  body: (env: { dir: string; configFile: string; log: ServiceLog }) => Promise<void>,
): Promise<void> {
  const { dir, configFile, stateDir } = makeTempConfig(["web", "db"]);
  const log = ServiceLog.open({
    logsDir: join(stateDir, "logs"),
    service: "web",
    maxSizeBytes: 1 << 20,
    keep: 2,
  });
  try {
    await runNode(
      log,
      `process.stdout.write("one\\ntwo\\n"); process.stderr.write("oops\\n"); process.stdout.write("three\\n")`,
    );
    await body({ dir, configFile, log });
  } finally {
    log.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test("logs prints the last N lines exactly as written, read from the files without a daemon", async () => {
  await withCapturedOutput(async ({ dir, configFile }) => {
    const all = captureIo(dir);
    assert.equal(await runCommand(["--config", configFile, "logs", "web"], all), 0);
    // stdout and stderr lines are merged in capture order.
    assert.match(all.out(), /one\ntwo\n(oops\nthree\n|three\noops\n)$/);

    const last = captureIo(dir);
    assert.equal(await runCommand(["--config", configFile, "logs", "web", "-n1", "--stream=out"], last), 0);
    assert.equal(last.out(), "three\n");

    const errOnly = captureIo(dir);
    assert.equal(await runCommand(["--config", configFile, "logs", "web", "--stream", "err"], errOnly), 0);
    assert.equal(errOnly.out(), "oops\n");
  });
});

test("logs of a name that is not in the config is exit 1 listing the known names", async () => {
  await withCapturedOutput(async ({ dir, configFile }) => {
    await assert.rejects(runCommand(["--config", configFile, "logs", "wbe"], captureIo(dir)), (err) => {
      assert.ok(err instanceof UpkeepError);
      assert.equal(err.exitCode, 1);
      assert.match(err.message, /no service named 'wbe' in the config \(known: web, db\)/);
      return true;
    });
    await assert.rejects(runCommand(["--config", configFile, "logs", "db"], captureIo(dir)), (err) => {
      assert.ok(err instanceof UpkeepError);
      assert.equal(err.code, "LOGS_NOT_FOUND");
      return true;
    });
  });
});

test("logs -f prints new output as it is captured, until Ctrl-C", async () => {
  await withCapturedOutput(async ({ dir, configFile, log }) => {
    const capture = captureIo(dir);
    // The command's module is cached by the tests above, so it reaches followLog within this
    // turn of the event loop, long before the child below can start and write its line.
    const running = runCommand(["--config", configFile, "logs", "web", "-f", "-n", "0"], capture);
    await runNode(log, `console.log("live-marker-7731")`);
    await waitFor(() => capture.out().includes("live-marker-7731\n"), { what: "the new line to be printed" });
    assert.ok(!capture.out().includes("one\n"), "-n 0 prints none of the earlier lines");
    capture.interrupt();
    assert.equal(await running, 0);
  });
});
