/**
 * upkeep under a real systemd: the unit `upkeep systemd-unit` prints, run by systemd booted as
 * PID 1 of private namespaces (test/helpers/systemd-boot.ts). The unit becomes active only
 * once the daemon said READY=1, shows its STATUS=, keeps the services' cgroups inside its own
 * (the daemon in its `supervisor` leaf), restarts a SIGKILLed daemon whose successor adopts
 * every service (same PIDs), reloads the config with `systemctl reload`, and stops every
 * service with `systemctl stop`.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { quoteSystemdWord } from "../../src/cli/systemd-unit-text.js";
import { stateDirId } from "../../src/config/state-dir-id.js";
import { CLI, withTestEnv, type TestEnv } from "../helpers/daemon.js";
import {
  BootedSystemd,
  cgroup2Mount,
  cgroupProcs,
  innerPid,
  systemdBootUnavailable,
} from "../helpers/systemd-boot.js";
import { waitFor } from "../helpers/wait-for.js";

const SERVICES = [
  "services:",
  "  a:",
  '    command: [sleep, "1000"]',
  "  b:",
  '    command: [sleep, "1000"]',
  "    after: [a]",
];

/** A path systemd would read as a specifier, a variable and two words, were it not quoted. */
const ODD_WORD = '/srv/odd 50% $dir/"q" \\ upkeep.yaml';

/** The unit `upkeep systemd-unit` prints for a config. */
function printUnit(configFile: string): string {
  const printed = spawnSync(process.execPath, [CLI, "--config", configFile, "systemd-unit"], {
    encoding: "utf8",
  });
  assert.equal(printed.status, 0, printed.stderr);
  return printed.stdout;
}

/** The unit as `upkeep systemd-unit` prints it, plus a drop-in that keeps the test contained. */
function writeUnits(env: TestEnv): string {
  const units = join(env.dir, "units");
  mkdirSync(join(units, "upkeep.service.d"), { recursive: true });
  writeFileSync(join(units, "upkeep.service"), printUnit(env.configFile));
  // The unit's quoting, read by systemd itself: printf gets the word back, or not.
  const printf = ["/usr/bin/printf", "%s|", ODD_WORD].map(quoteSystemdWord).join(" ");
  writeFileSync(
    join(units, "quoting.service"),
    [
      "[Unit]",
      "DefaultDependencies=no",
      "[Service]",
      "Type=oneshot",
      `ExecStart=${printf}`,
      `StandardOutput=file:${join(env.dir, "quoting.out")}`,
      "",
    ].join("\n"),
  );
  // Not the unit's own settings: no sysinit.target (nothing of the host's boot), the test's
  // marker for the teardown's check, and the daemon's output kept for a failure's message.
  writeFileSync(
    join(units, "upkeep.service.d", "test.conf"),
    [
      "[Unit]",
      "DefaultDependencies=no",
      "[Service]",
      `Environment=UPKEEP_TEST_MARKER=${env.marker}`,
      `StandardOutput=append:${join(env.dir, "daemon.log")}`,
      "StandardError=inherit",
      "",
    ].join("\n"),
  );
  writeFileSync(
    join(units, "upkeep-test.target"),
    ["[Unit]", "DefaultDependencies=no", "Wants=upkeep.service", ""].join("\n"),
  );
  writeFileSync(join(env.dir, "systemd-console.log"), "");
  return units;
}

const skip = systemdBootUnavailable();

test(
  "under systemd: READY and STATUS, services' cgroups inside the unit, a SIGKILLed daemon restarted and adopting every service, reload, stop",
  { skip, timeout: 180_000 },
  (t) =>
    withTestEnv(async (env) => {
      env.writeConfig(SERVICES.join("\n") + "\n");
      const systemd = new BootedSystemd(env.dir, writeUnits(env));
      const unitCgroup = join(systemd.cgroup, "system.slice", "upkeep.service");
      const serviceCgroup = (name: string): string =>
        join(unitCgroup, "upkeep", stateDirId(env.stateDir), name);
      try {
        const booting = Date.now();
        await systemd.boot();
        // Type=notify: active only after READY=1, which comes once the socket answers.
        await waitFor(() => systemd.property("upkeep.service", "ActiveState") === "active", {
          what: "upkeep.service to be active (READY=1)",
          timeout: 60_000,
        });
        t.diagnostic(`systemd booted and upkeep.service active (READY=1) in ${Date.now() - booting} ms`);
        assert.equal((await env.api("GET", "/api/v1/status")).status, 200, "the socket answers once active");
        assert.equal(systemd.systemctl("start", "quoting.service").code, 0);
        assert.equal(
          readFileSync(join(env.dir, "quoting.out"), "utf8"),
          `${ODD_WORD}|`,
          "systemd read the word back unchanged",
        );
        await waitFor(() => systemd.property("upkeep.service", "StatusText") === "2 services: 2 running", {
          what: "STATUS= with the summary",
          timeout: 20_000,
        });

        // Delegation: the daemon sits in the unit's supervisor leaf; the services' cgroups are
        // inside the unit's, none at the top of the hierarchy.
        const [daemonPid] = cgroupProcs(join(unitCgroup, "supervisor"));
        assert.ok(daemonPid !== undefined, "the daemon is in <unit>/supervisor");
        assert.equal(innerPid(daemonPid), Number(systemd.property("upkeep.service", "MainPID")));
        assert.deepEqual(cgroupProcs(unitCgroup), [], "no process left in the unit's own cgroup");
        const before = { a: cgroupProcs(serviceCgroup("a")), b: cgroupProcs(serviceCgroup("b")) };
        assert.equal(before.a.length, 1, "a runs in <unit>/upkeep/<id>/a");
        assert.equal(before.b.length, 1, "b runs in <unit>/upkeep/<id>/b");
        assert.ok(!existsSync(join(systemd.cgroup, "upkeep")), "nothing at the namespace's top");
        assert.ok(
          !existsSync(join(cgroup2Mount()!, "upkeep", stateDirId(env.stateDir))),
          "nothing at the host's top",
        );

        // SIGKILL the daemon: systemd starts another (Restart=always), which adopts a and b.
        const killed = Date.now();
        process.kill(daemonPid, "SIGKILL");
        const successor = await waitFor(
          () => {
            const [pid] = cgroupProcs(join(unitCgroup, "supervisor"));
            const active = systemd.property("upkeep.service", "ActiveState") === "active";
            return pid !== undefined && pid !== daemonPid && active ? pid : null;
          },
          { what: "systemd to restart the daemon and the new one to be READY", timeout: 60_000 },
        );
        t.diagnostic(
          `SIGKILL to the restarted daemon's READY=1: ${Date.now() - killed} ms (RestartSec=1s included)`,
        );
        assert.equal(systemd.property("upkeep.service", "NRestarts"), "1");
        assert.deepEqual(
          { a: cgroupProcs(serviceCgroup("a")), b: cgroupProcs(serviceCgroup("b")) },
          before,
          "the same processes run: adopted, not restarted",
        );
        for (const name of ["a", "b"] as const) {
          const status = await env.status(name);
          assert.equal(status.state, "running", `${name} is running under the new daemon`);
          assert.equal(status.pid, innerPid(before[name][0]!), `${name} keeps its PID`);
        }
        assert.ok(innerPid(successor) !== null);

        // ExecReload: `systemctl reload` applies a changed config.
        env.writeConfig([...SERVICES, "  c:", '    command: [sleep, "1000"]'].join("\n") + "\n");
        const reload = systemd.systemctl("reload", "upkeep.service");
        assert.equal(reload.code, 0, `systemctl reload: ${reload.stderr}`);
        await waitFor(() => cgroupProcs(serviceCgroup("c")).length === 1, {
          what: "c to run after systemctl reload",
          timeout: 20_000,
        });

        // `systemctl stop`: the daemon stops every service (KillMode=process signals only it).
        const stop = systemd.systemctl("stop", "upkeep.service");
        assert.equal(stop.code, 0, `systemctl stop: ${stop.stderr}`);
        assert.equal(systemd.property("upkeep.service", "ActiveState"), "inactive");
        for (const name of ["a", "b", "c"]) {
          assert.deepEqual(cgroupProcs(serviceCgroup(name)), [], `${name} was stopped with the unit`);
        }
      } catch (err) {
        const log = spawnSync(
          "tail",
          ["-n", "40", join(env.dir, "daemon.log"), join(env.dir, "systemd-console.log")],
          {
            encoding: "utf8",
          },
        ).stdout;
        throw new Error(
          `${err instanceof Error ? err.message : String(err)}\n--- logs ---\n${log}\n--- enter.sh ---\n${systemd.output}`,
          {
            cause: err,
          },
        );
      } finally {
        await systemd.stop();
      }
    }),
);
