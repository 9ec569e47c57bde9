/**
 * What the listen-port checks cost on this host: printed as diagnostics, not asserted (timings
 * vary with load). The figures are reported in docs/identity.md.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { findListeners, findPortHolders, readListeningSockets } from "./listen-ports.js";
import { listPids } from "./process-table.js";
import { createMarker, killMarked, startScript, waitForComm, waitForExit } from "./test-fixtures.js";

const marker = createMarker();
after(() => killMarked(marker));

test("cost: findListeners over 200 pids, findPortHolders over every process (printed, not asserted)", async (t) => {
  // 200 stand-in services, each holding 10 descriptors (stdio + fds 3-9), as a small daemon does.
  const fds = "3</dev/null 4</dev/null 5</dev/null 6</dev/null 7</dev/null 8</dev/null 9</dev/null";
  const { child, pids } = await startScript(
    `for i in $(seq 199); do sleep ${marker} ${fds} & echo p$i $!; done; echo ready; exec sleep ${marker} ${fds}`,
  );
  await waitForComm([child.pid!, ...pids.values()], "sleep");
  const services = [child.pid!, ...pids.values()];
  const time = (fn: () => void, runs: number): number => {
    fn(); // warm: the first reads pay for dentry set-up
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < runs; i++) fn();
    return Number(process.hrtime.bigint() - t0) / 1e6 / runs;
  };
  const sockets = readListeningSockets();
  const tables = time(() => readListeningSockets(), 20);
  const listeners = time(() => findListeners(services), 10);
  const joinOnly = time(() => findListeners(services, sockets), 10);
  const port = sockets[0]?.port;
  const holders = port === undefined ? NaN : time(() => findPortHolders(port), 5);
  const absent = time(() => findPortHolders(1), 20);
  t.diagnostic(
    `/proc/net/{tcp,tcp6,udp,udp6} read: ${tables.toFixed(2)} ms (${sockets.length} sockets); ` +
      `findListeners(200 pids x 10 fds): ${listeners.toFixed(2)} ms, of which the fd join ${joinOnly.toFixed(2)} ms; ` +
      `findPortHolders(${port}) over ${listPids().length} processes: ${holders.toFixed(2)} ms; ` +
      `for a port nobody holds: ${absent.toFixed(2)} ms`,
  );
  assert.equal(findListeners(services).size, 200);
  child.kill("SIGKILL");
  await waitForExit(child);
});
