import { mkdirSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomicAsync } from "../core/atomic-write.js";
import { isErrno } from "../core/errors.js";

/** `<state_dir>/pids/NAME.pid`: the PID alone, no newline (SPEC §6). */
export function pidFilePath(stateDir: string, service: string): string {
  return join(stateDir, "pids", `${service}.pid`);
}

/**
 * Write the service's PID file atomically, off the event loop (a create costs up to a
 * millisecond here, and a cold start writes one per service). One runner writes its own file
 * at a time, so two writes of one service never overlap.
 */
export async function writePidFile(stateDir: string, service: string, pid: number): Promise<void> {
  const dir = join(stateDir, "pids");
  if (!madeDirs.has(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    madeDirs.add(dir);
  }
  await writeFileAtomicAsync(pidFilePath(stateDir, service), String(pid));
}

/** PID folders made by this process (a state dir's folder is never removed while it runs). */
const madeDirs = new Set<string>();

/** Remove the service's PID file; a missing file is already the wanted result. */
export function removePidFile(stateDir: string, service: string): void {
  try {
    unlinkSync(pidFilePath(stateDir, service));
  } catch (err) {
    if (!isErrno(err, "ENOENT")) throw err;
  }
}
