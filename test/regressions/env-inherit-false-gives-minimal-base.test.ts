/**
 * Never again: no way to keep the daemon's environment (its secrets, its proxies, whatever the
 * shell that started it exported) away from a service. `env_inherit: false` gives the service
 * PATH, LANG, HOME, USER, LOGNAME and SHELL (of its `user:` when set), its `env`/`env_file`,
 * and upkeep's UPKEEP_SERVICE, UPKEEP_RUN_ID and UPKEEP_STATE_ID: nothing else.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { withTestEnv } from "../helpers/daemon.js";

/** The environment of a running process, as a plain object. */
function environOf(pid: number): Record<string, string> {
  const entries = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").filter(Boolean);
  return Object.fromEntries(entries.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
}

/** Starts the daemon with a secret in its environment; returns the named service's environment. */
async function serviceEnvironment(
  yaml: string,
  name: string,
  run: (seen: { environ: Record<string, string>; marker: string }) => void,
): Promise<void> {
  await withTestEnv(async (env) => {
    writeFileSync(join(env.dir, "app.env"), "FROM_FILE=1\n");
    env.writeConfig(yaml);
    process.env["DAEMON_SECRET"] = "hunter2";
    try {
      await env.startDaemon();
    } finally {
      delete process.env["DAEMON_SECRET"];
    }
    const status = await env.waitForService(name, "running", `${name} to run`);
    run({ environ: environOf(status.pid as number), marker: env.marker });
  });
}

test("env_inherit: false gives the minimal base, env and env_file, and upkeep's markers only", () =>
  serviceEnvironment(
    [
      "services:",
      "  bare:",
      "    env_inherit: false",
      '    command: [sleep, "1000"]',
      "    env_file: app.env",
      '    env: { TEST_MARK: "{marker}", FROM_ENV: "2" }',
      "",
    ].join("\n"),
    "bare",
    ({ environ, marker }) => {
      const allowed = ["PATH", "LANG", "HOME", "USER", "LOGNAME", "SHELL"];
      const own = ["UPKEEP_SERVICE", "UPKEEP_RUN_ID", "UPKEEP_STATE_ID"];
      const extra = Object.keys(environ).filter(
        (name) =>
          !allowed.includes(name) &&
          !own.includes(name) &&
          !["TEST_MARK", "FROM_ENV", "FROM_FILE"].includes(name),
      );
      assert.deepEqual(extra, [], "nothing else of the daemon's environment");
      assert.equal(environ["DAEMON_SECRET"], undefined);
      assert.equal(environ["UPKEEP_TEST_MARKER"], undefined);
      assert.equal(environ["PATH"], process.env["PATH"]);
      assert.equal(environ["HOME"], process.env["HOME"]);
      assert.equal(environ["TEST_MARK"], marker);
      assert.equal(environ["FROM_ENV"], "2");
      assert.equal(environ["FROM_FILE"], "1");
      assert.equal(environ["UPKEEP_SERVICE"], "bare");
      for (const name of own) assert.ok(environ[name], `${name} is set`);
    },
  ));

test(
  "env_inherit: false with user: HOME, USER, LOGNAME and SHELL are the service user's",
  { skip: process.getuid?.() !== 0 ? "needs root to run a service as another user" : false },
  () =>
    serviceEnvironment(
      [
        "services:",
        "  asnobody:",
        "    env_inherit: false",
        "    user: nobody",
        '    command: [sleep, "1000"]',
        '    env: { TEST_MARK: "{marker}" }',
        "",
      ].join("\n"),
      "asnobody",
      ({ environ }) => {
        const passwd = readFileSync("/etc/passwd", "utf8")
          .split("\n")
          .find((line) => line.startsWith("nobody:"))!
          .split(":");
        assert.equal(environ["USER"], "nobody");
        assert.equal(environ["LOGNAME"], "nobody");
        assert.equal(environ["HOME"], passwd[5]);
        assert.equal(environ["SHELL"], passwd[6]);
        assert.equal(environ["DAEMON_SECRET"], undefined);
      },
    ),
);
