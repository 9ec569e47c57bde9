import { killTreeAndWait } from "../identity/kill-tree.js";
import { checkIdentity, describeCheck } from "../identity/process-identity.js";
import { removePidFile } from "../service/pid-file.js";
import type { ServiceRunner } from "../service/runner.js";
import { selectorOf } from "../service/tree-effects.js";
import type { EventRecord, ProcessRecord, StateStore } from "../store/store.js";

/**
 * Bring one service back after a daemon (re)start: adopt its recorded process when PID, start
 * time and boot id all still match; otherwise the record is stale — report what was found,
 * clean what is left of the old tree (by cgroup and run-id marker only: the recorded PID and
 * process group may belong to another program now, which must never be signalled), drop the
 * record, and start the service if the operator wants it up.
 */
export async function recoverService(
  runner: ServiceRunner,
  record: ProcessRecord | null,
  store: StateStore,
  stateDir: string,
  publish: (event: EventRecord) => void,
): Promise<void> {
  if (record !== null) {
    const check = checkIdentity(record);
    if (check.status === "live") return runner.adopt(record);
    const found = describeCheck(record, check);
    // pgid/sid 0: do not select by process group or session, they may be reused now.
    const { killed } = await killTreeAndWait({ ...selectorOf(record), pgid: 0, sid: 0 }, 5_000);
    const leftovers = killed.length ? `; killed leftovers of its old tree: PIDs ${killed.join(", ")}` : "";
    const event = await store.appendEvent({
      ts: Date.now(),
      service: runner.name,
      kind: "stale",
      reason: `stale record cleared: ${found}${leftovers}`,
      details: {
        pid: record.pid,
        start_time: record.startTime,
        boot_id: record.bootId,
        status: check.status,
        ...(check.status === "reused" ? { found: check.found } : {}),
        leftovers_killed: killed,
      },
    });
    publish(event);
    await store.deleteProcess(runner.name);
    removePidFile(stateDir, runner.name);
  }
  if (runner.context.desired === "up") return runner.send({ type: "start_requested" });
}
