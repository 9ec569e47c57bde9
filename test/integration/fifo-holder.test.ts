import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { fifoHolderProgram } from "../../src/core/native.js";
import { detectCgroupRoot } from "../../src/identity/cgroup.js";
import { findPidsWithArg, heldFifos, isAlive, isFifoHolder, TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

describe(
  "the FIFO holder",
  { skip: fifoHolderProgram === null ? "the native part is not built" : false },
  () => {
    const env = new TestEnv();
    after(() => env.teardown());

    test("output a service writes while no daemon runs survives the service's exit; a clean shutdown leaves no holder", async () => {
      const go = join(env.dir, "go");
      env.writeConfig(`
services:
  late:
    command: [sh, -c, 'echo first; while [ ! -e "$0" ]; do sleep 0.05; done; echo written while no daemon ran', "${go}"]
    restart: "no"
`);
      await env.startDaemon();
      const late = await env.waitForService("late", "running", "late running");
      const record = join(env.stateDir, "fifo-holder.pid");
      const holder = Number(readFileSync(record, "utf8").split(" ")[0]);
      assert.ok(isFifoHolder(holder), `PID ${holder} is the holder`);
      if (detectCgroupRoot() !== null) {
        // A cgroup of its own, not the daemon's: a unit manager killing the daemon's cgroup
        // leaves it be.
        assert.match(readFileSync(`/proc/${holder}/cgroup`, "utf8"), /^0::\/upkeep\/\w+\/\.fifo-holder$/m);
      }
      await waitFor(() => heldFifos(holder).join(",") === "late.err.fifo,late.out.fifo", {
        what: "the holder holding late's FIFOs",
      });

      // The daemon dies, then the service writes its last line and exits: nobody but the holder
      // keeps the pipe, and with it the line.
      await env.killDaemon();
      writeFileSync(go, "");
      await waitFor(() => !isAlive(late.pid), { what: "late exited" });
      assert.ok(isAlive(holder), "the holder outlives the daemon");

      await env.startDaemon();
      await waitFor(() => /^first\nwritten while no daemon ran\n/.test(env.cli("logs", "late").stdout), {
        what: "the line written while no daemon ran, in the log",
      });
      // In the log the held line belongs to the old run: before the note of its end, which comes
      // before the next run's start.
      const lines = env.cli("logs", "late", "--timestamps").stdout.split("\n");
      const at = (pattern: RegExp): number => lines.findIndex((line) => pattern.test(line));
      const held = at(/ out \| written while no daemon ran$/);
      const ended = at(new RegExp(` upkeep \\| the run of PID ${late.pid} ended while no daemon ran`));
      const next = at(new RegExp(` upkeep \\| started PID (?!${late.pid}$)`));
      assert.ok(held >= 0 && held < ended && ended < next, lines.join("\n"));
      assert.equal(Number(readFileSync(record, "utf8").split(" ")[0]), holder, "the next daemon adopts it");
      const logsDir = join(env.stateDir, "logs");
      assert.deepEqual(
        findPidsWithArg(logsDir).filter(isFifoHolder),
        [holder],
        "one holder for the state dir, never two",
      );

      // A service added by a reload gets its FIFOs held too.
      env.writeConfig(`
services:
  late:
    command: [sh, -c, 'echo first; while [ ! -e "$0" ]; do sleep 0.05; done; echo written while no daemon ran', "${go}"]
    restart: "no"
  extra:
    command: [sleep, "{marker}"]
`);
      assert.equal(env.cli("reload-config").code, 0);
      await waitFor(() => heldFifos(holder).includes("extra.out.fifo"), {
        what: "the holder holding extra's FIFOs",
      });

      const daemon = env.daemon!;
      const exited = new Promise((resolve) => daemon.once("exit", resolve));
      daemon.kill("SIGTERM");
      await exited;
      assert.ok(!isAlive(holder), "a clean shutdown ends the holder");
      assert.ok(!existsSync(record), "and removes its record");
    });
  },
);
