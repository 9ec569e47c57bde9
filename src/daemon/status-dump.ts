import { join } from "node:path";
import { writeFileAtomic } from "../core/atomic-write.js";
import type { Supervisor } from "../supervisor/supervisor.js";

/** SIGUSR1: write every service's state to `<state_dir>/status.txt` (atomically). */
export function writeStatusDump(supervisor: Supervisor): string {
  const path = join(supervisor.config.stateDir, "status.txt");
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
