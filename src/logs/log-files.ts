/**
 * Where a service's output lives in `<state_dir>/logs/`: two FIFOs the service writes into,
 * and "generations" of captured output. Generation 0 is the live one (`NAME.idx`,
 * `NAME.out.log`, `NAME.err.log`); rotation renames a whole generation at once to the suffix
 * `.1`, `.1` to `.2`, and so on, so that an index file and the two data files it describes
 * always travel together (docs/logs.md).
 */
import { join } from "node:path";
import { UpkeepError } from "../core/errors.js";

export const LOG_STREAMS = ["out", "err"] as const;
export type LogStream = (typeof LOG_STREAMS)[number];

/** The three files of one generation. */
export interface GenerationFiles {
  idx: string;
  out: string;
  err: string;
}

/** Refuses a service name that cannot be a file name, so no path ever escapes the logs dir. */
export function assertLogName(service: string): void {
  if (service === "" || service === "." || service === ".." || /[/\0]/.test(service)) {
    throw new UpkeepError(
      "CONFIG_BAD_VALUE",
      `service name ${JSON.stringify(service)} cannot name a log file`,
      {
        hint: "Use a service name without '/' or NUL characters that is not '.' or '..'.",
        details: { service, expected: "a file name", got: service },
      },
    );
  }
}

/** The FIFO a service's stream is written into. */
export function fifoPath(logsDir: string, service: string, stream: LogStream): string {
  return join(logsDir, `${service}.${stream}.fifo`);
}

/** The files of generation `generation` (0 = live, k = rotated k times). */
export function generationFiles(logsDir: string, service: string, generation: number): GenerationFiles {
  const suffix = generation === 0 ? "" : `.${generation}`;
  return {
    idx: join(logsDir, `${service}.idx${suffix}`),
    out: join(logsDir, `${service}.out.log${suffix}`),
    err: join(logsDir, `${service}.err.log${suffix}`),
  };
}
