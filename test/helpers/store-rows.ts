/**
 * Writing the state store's rows directly, as someone with write access to state.db could:
 * the tests that prove a record is never enough reason to signal a process forge them here.
 * Only while no daemon holds the store.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";

/** A process row as the store keeps it (src/store/sqlite/schema.ts). */
export interface ForgedProcess {
  service: string;
  pid: number;
  startTime: number;
  bootId?: string;
  pgid?: number;
  runId: string;
  cgroup: string | null;
}

/** This boot's id. */
export function currentBootId(): string {
  return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
}

/** Field 22 of /proc/PID/stat: the start time the store records. */
export function startTimeOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
}

/** Writes (or replaces) process rows in `<stateDir>/state.db`, stamped with the host id the store uses. */
export function forgeProcessRows(stateDir: string, rows: readonly ForgedProcess[]): void {
  const db = new Database(join(stateDir, "state.db"));
  try {
    const host = db.prepare("SELECT host_id FROM services LIMIT 1").get() as { host_id: string } | undefined;
    if (host === undefined) throw new Error("the store has no service row to take the host id from");
    const put = db.prepare(
      `INSERT OR REPLACE INTO processes
         (host_id, service, pid, start_time, boot_id, argv, pgid, run_id, cgroup, started_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const r of rows) {
      put.run(
        host.host_id,
        r.service,
        r.pid,
        r.startTime,
        r.bootId ?? currentBootId(),
        JSON.stringify(["forged"]),
        r.pgid ?? r.pid,
        r.runId,
        r.cgroup,
        Date.now(),
      );
    }
  } finally {
    db.close();
  }
}

/** The process rows in the store, by service. */
export function readProcessRows(stateDir: string): Map<string, { pid: number }> {
  const db = new Database(join(stateDir, "state.db"), { readonly: true });
  try {
    const rows = db.prepare("SELECT service, pid FROM processes").all() as { service: string; pid: number }[];
    return new Map(rows.map((r) => [r.service, { pid: r.pid }]));
  } finally {
    db.close();
  }
}
