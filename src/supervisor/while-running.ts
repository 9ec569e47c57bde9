import type { ServiceConfig } from "../config/model.js";
import type { ServiceRunner } from "../service/runner.js";
import type { ProcessRecord } from "../store/store.js";

export interface RunningFollow {
  /** Stop following (the service left the config, or the daemon stops). */
  detach(): void;
  /** Start over with the runner's current config (after a live config change). */
  refresh(): void;
}

/**
 * Runs `start` each time the runner's service is running with a new process while `wanted`
 * says its config asks for it, and the stop `start` returned as soon as that ends (another
 * state, another PID, a detach). Nothing runs for services whose config does not ask.
 */
export function whileRunning(
  runner: ServiceRunner,
  wanted: (config: ServiceConfig) => boolean,
  start: (record: ProcessRecord) => () => void,
): RunningFollow {
  let current: { pid: number; stop: () => void } | null = null;
  const end = (): void => {
    const was = current;
    current = null;
    was?.stop();
  };
  const sync = (): void => {
    const record = runner.record;
    const running = runner.state === "running" && record !== null && wanted(runner.config);
    if (current !== null && (!running || current.pid !== record?.pid)) end();
    if (!running || current !== null) return;
    current = { pid: record.pid, stop: () => undefined };
    current.stop = start(record);
  };
  const off = runner.onChange(sync);
  sync();
  return {
    detach: () => {
      off();
      end();
    },
    refresh: () => {
      end();
      sync();
    },
  };
}

/**
 * One `whileRunning` per attached runner, by name: what the health and limits watches share.
 * `start` runs for each running process whose config `wanted` says asks for it.
 */
export class RunningFollows {
  private readonly follows = new Map<string, RunningFollow>();

  constructor(
    private readonly wanted: (config: ServiceConfig) => boolean,
    private readonly start: (runner: ServiceRunner, record: ProcessRecord) => () => void,
  ) {}

  /** Follows the runner; the returned detach also runs `onDetach` (the watch's own per-service state). */
  attach(runner: ServiceRunner, onDetach: () => void = () => undefined): () => void {
    const follow = whileRunning(runner, this.wanted, (record) => this.start(runner, record));
    this.follows.set(runner.name, follow);
    return () => {
      follow.detach();
      this.follows.delete(runner.name);
      onDetach();
    };
  }

  refresh(runner: ServiceRunner): void {
    this.follows.get(runner.name)?.refresh();
  }

  close(): void {
    for (const follow of this.follows.values()) follow.detach();
    this.follows.clear();
  }
}
