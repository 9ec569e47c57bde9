import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { heldFifos, isAlive } from "../../test/helpers/daemon.js";
import { waitFor } from "../../test/helpers/wait-for.js";
import { fifoHolderProgram } from "../core/native.js";
import { readProcStat } from "../identity/proc-stat.js";
import { FifoHolder, spawnHolder } from "./fifo-holder.js";
import { ensureFifo } from "./make-fifos.js";
import { makeTempDir } from "./service-fixtures.js";

const cleanups: (() => void | Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups) await cleanup();
});

test(
  "the holder keeps the FIFOs open, is not fooled by a record naming another process or a deleted logs dir, is replaced when gone and ends on stop",
  { skip: fifoHolderProgram === null ? "the native part is not built" : false },
  async () => {
    const { dir, cleanup } = makeTempDir("holder");
    cleanups.push(cleanup);
    const logsDir = join(dir, "logs");
    mkdirSync(logsDir);
    ensureFifo(join(logsDir, "a.out.fifo"));
    const record = FifoHolder.recordPath(dir);

    // A record naming a live process that is not a holder (this test's own) is not adopted.
    writeFileSync(record, `${process.pid} ${readProcStat(process.pid)!.startTime}\n`);
    const holder = FifoHolder.ensure(dir, logsDir)!;
    cleanups.unshift(() => holder.stop());
    assert.notEqual(holder.pid, process.pid);
    assert.match(readFileSync(record, "utf8"), new RegExp(`^${holder.pid} \\d+\\n$`));
    await waitFor(() => heldFifos(holder.pid).join(",") === "a.out.fifo", { what: "a.out.fifo held" });

    // The same state dir again: the running holder is adopted and looks again.
    ensureFifo(join(logsDir, "b.out.fifo"));
    const again = FifoHolder.ensure(dir, logsDir)!;
    assert.equal(again.pid, holder.pid);
    await waitFor(() => heldFifos(holder.pid).join(",") === "a.out.fifo,b.out.fifo", {
      what: "b.out.fifo held",
    });

    // A holder that died is replaced at the next refresh.
    process.kill(holder.pid, "SIGKILL");
    await waitFor(() => !isAlive(again.pid), { what: "the holder gone" });
    const first = again.pid;
    again.refresh();
    assert.notEqual(again.pid, first);
    await waitFor(() => heldFifos(again.pid).length === 2, { what: "the new holder holding both" });

    // A logs dir deleted and made again (say, after a crash): the holder of the old one is
    // ended and a new one holds the new dir.
    const old = again.pid;
    rmSync(logsDir, { recursive: true });
    mkdirSync(logsDir);
    ensureFifo(join(logsDir, "c.out.fifo"));
    const fresh = FifoHolder.ensure(dir, logsDir)!;
    cleanups.unshift(() => fresh.stop());
    assert.notEqual(fresh.pid, old);
    await waitFor(() => !isAlive(old), { what: "the holder of the deleted dir ended" });
    await waitFor(() => heldFifos(fresh.pid).join(",") === "c.out.fifo", { what: "c.out.fifo held" });

    await fresh.stop();
    assert.ok(!isAlive(fresh.pid), "stop ends it");
    assert.ok(!existsSync(record), "and removes its record");
  },
);

test("a holder program that is missing or not executable fails the start at once, saying so", () => {
  const { dir, cleanup } = makeTempDir("holder-missing");
  cleanups.push(cleanup);
  const logsDir = join(dir, "logs");
  mkdirSync(logsDir);
  const missing = join(dir, "no-such-holder");
  assert.throws(() => spawnHolder(missing, dir, logsDir, null), /cannot start .*no-such-holder/);
  const plain = join(dir, "not-executable");
  writeFileSync(plain, "#!/bin/sh\nsleep 100\n", { mode: 0o644 });
  assert.throws(() => spawnHolder(plain, dir, logsDir, null), /cannot start .*not-executable/);
  assert.equal(existsSync(FifoHolder.recordPath(dir)), false, "no record of a holder that never ran");
});
