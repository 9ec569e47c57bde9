import { KILL_WAIT_MS } from "../config/shutdown-time.js";
import { killTreeAndWait, signalTree } from "../identity/kill-tree.js";
import type { TreeSelector } from "../identity/process-tree.js";
import type { ProcessRecord } from "../store/store.js";
import type { Effect, MachineEvent } from "./states.js";

/** The selector that finds every process of a recorded service start. */
export function selectorOf(record: ProcessRecord): TreeSelector {
  return {
    pid: record.pid,
    startTime: record.startTime,
    pgid: record.pgid,
    sid: record.pgid,
    runId: record.runId,
    cgroup: record.cgroup,
  };
}

/** The selector of a process upkeep spawned itself (in its own session and group): its whole tree. */
export function spawnedSelector(
  spawned: { pid: number; runId: string },
  startTime: number,
  cgroup: string | null,
): TreeSelector {
  return { pid: spawned.pid, startTime, pgid: spawned.pid, sid: spawned.pid, runId: spawned.runId, cgroup };
}

/** Signal the tree, or SIGKILL it and wait until nothing of it is left. */
export async function performTreeEffect(
  selector: TreeSelector,
  effect: Extract<Effect, { type: "signal" | "kill_tree" }>,
): Promise<{ survivors: number[] }> {
  if (effect.type === "signal") {
    signalTree(selector, effect.signal);
    return { survivors: [] };
  }
  const { survivors } = await killTreeAndWait(selector, KILL_WAIT_MS);
  return { survivors };
}

/** The lifecycle marker written between the service's output lines when it ends. */
export function describeExitForLog(event: Extract<MachineEvent, { type: "exited" }>): string {
  if (!event.statusKnown) return "exited (status unknown: not a child of this daemon)";
  if (event.signal) return `killed by ${event.signal}`;
  return `exited with code ${event.code ?? "?"}`;
}
