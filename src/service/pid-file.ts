import { mkdirSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../core/atomic-write.js";
import { isErrno } from "../core/errors.js";

/** `<state_dir>/pids/NAME.pid`: the PID alone, no newline (SPEC §6). */
export function pidFilePath(stateDir: string, service: string): string {
  return join(stateDir, "pids", `${service}.pid`);
}

/** Write the service's PID file atomically. */
export function writePidFile(stateDir: string, service: string, pid: number): void {
  mkdirSync(join(stateDir, "pids"), { recursive: true, mode: 0o755 });
  writeFileAtomic(pidFilePath(stateDir, service), String(pid));
}

/** Remove the service's PID file; a missing file is already the wanted result. */
export function removePidFile(stateDir: string, service: string): void {
  try {
    unlinkSync(pidFilePath(stateDir, service));
  } catch (err) {
    if (!isErrno(err, "ENOENT")) throw err;
  }
}
