import { dirname, join } from "node:path";
import { writeFileAtomic } from "../core/atomic-write.js";
import { UpkeepError, errnoOf } from "../core/errors.js";
import type { Supervisor } from "../supervisor/supervisor.js";

/** SIGUSR1: write every service's state to `<state_dir>/status.txt` (atomically). */
export function writeStatusDump(supervisor: Supervisor): string {
  const path = statusDumpPath(supervisor);
  const now = Date.now();
  const lines = [
    `upkeep daemon PID ${process.pid}, status at ${new Date(now).toISOString()}`,
    `config ${supervisor.config.file}`,
    "",
  ];
  for (const runner of supervisor.runners.values()) {
    const pid = runner.context.pid ?? "-";
    const since = new Date(runner.since).toISOString();
    lines.push(
      `${runner.name}\tstate=${runner.state}\tdesired=${runner.context.desired}\tpid=${pid}\tsince=${since}\trestarts=${runner.context.restarts}\treason=${runner.reason}`,
    );
  }
  writeFileAtomic(path, lines.join("\n") + "\n");
  return path;
}

/**
 * SIGUSR1 as the daemon answers it: the dump, and a line saying where. A dump that cannot be
 * written (a full disk, status.txt made a directory) is a `daemon` event and a stderr line
 * with the fix, never a crash: a signal handler that throws would end the daemon.
 */
export function answerStatusSignal(supervisor: Supervisor, say: (line: string) => void): void {
  let path: string;
  try {
    path = writeStatusDump(supervisor);
  } catch (err) {
    const file = statusDumpPath(supervisor);
    // writeFileAtomic wraps the system error: its errno is in the details.
    const wrapped = err instanceof UpkeepError ? err.details.errno : undefined;
    const errno =
      err instanceof UpkeepError ? (typeof wrapped === "string" ? wrapped : null) : (errnoOf(err) ?? null);
    const message = err instanceof Error ? err.message : String(err);
    const reason = `status dump not written to ${file}: ${message}; ${fixFor(file, errno)}`;
    say(`upkeep: SIGUSR1: ${reason}`);
    supervisor
      .emit({ service: null, kind: "daemon", reason, details: { file, errno } })
      .catch((e: unknown) => say(`upkeep: could not record that the status dump failed: ${String(e)}`));
    return;
  }
  say(`upkeep: status written to ${path}`);
}

function statusDumpPath(supervisor: Supervisor): string {
  return join(supervisor.config.stateDir, "status.txt");
}

function fixFor(file: string, errno: string | null): string {
  if (errno === "ENOSPC" || errno === "EDQUOT")
    return `free space in ${dirname(file)} (df -h ${dirname(file)})`;
  if (errno === "EISDIR" || errno === "ENOTEMPTY")
    return `${file} is a directory: move it away (mv ${file} ${file}.old)`;
  return `make ${dirname(file)} writable by the daemon's user (ls -ld ${dirname(file)} ${file})`;
}
