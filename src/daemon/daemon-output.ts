/**
 * Where the daemon's own lines go (docs/daemon.md, "The daemon's own log"): one DaemonLog per
 * process in the chosen format, written to stderr, through the guard against a reader that
 * went away once the daemon runs (terminal.ts), and with daemon.log's rotation when stderr is
 * that file (daemon-log-file.ts).
 */
import { fstatSync } from "node:fs";
import { UpkeepError } from "../core/errors.js";
import type { EventRecord } from "../store/store.js";
import { DaemonLog } from "./daemon-log.js";
import { DaemonLogFile } from "./daemon-log-file.js";
import { resolveLogFormat, type LogFormat } from "./log-format.js";
import type { DaemonTerminal } from "./terminal.js";

let terminal: DaemonTerminal | null = null;
let logFile: DaemonLogFile | null = null;
let log = new DaemonLog("text", writeOut);

/** Chooses the format (`auto`: journal under systemd, else text) and takes over console.* . */
export function startDaemonOutput(requested: LogFormat): void {
  log = new DaemonLog(resolveLogFormat(requested, process.env["JOURNAL_STREAM"], stderrId()), writeOut);
  log.routeConsole();
}

/** Once the state dir is known and trusted: rotate daemon.log when it is stderr. */
export function rotateDaemonLog(stateDir: string): void {
  logFile = DaemonLogFile.ofStderr(stateDir);
}

/** From the daemon's start on, stderr is written through the guard. */
export function guardStderr(guard: DaemonTerminal): void {
  terminal = guard;
}

export function say(...parts: unknown[]): void {
  log.info(...parts);
}

export function sayWarning(...parts: unknown[]): void {
  log.warn(...parts);
}

/**
 * An error as the operator should read it: what failed (null: the message says it all), the
 * message, then the hint; a stack only for bugs.
 */
export function sayError(what: string | null, err: unknown): void {
  const lead = what === null ? "upkeep:" : `upkeep: ${what}:`;
  if (!(err instanceof UpkeepError)) return log.error(lead, err);
  log.error(`${lead} ${err.message}${err.hint ? `\n  hint: ${err.hint}` : ""}`);
}

/** One line per event, so `npm start` and the journal show what happens. */
export function printEvent(e: EventRecord): void {
  log.event(e);
}

/** The event lines still waiting, before the process exits. */
export function flushEventLines(): void {
  log.flush();
}

function writeOut(text: string): void {
  const problem = logFile?.beforeWrite(Buffer.byteLength(text)) ?? null;
  if (terminal) terminal.write(text);
  else process.stderr.write(text);
  if (problem !== null) log.warn(`upkeep: ${problem}`);
}

/** Device and inode of descriptor 2, for JOURNAL_STREAM; null when there is none. */
function stderrId(): { dev: bigint; ino: bigint } | null {
  try {
    const stat = fstatSync(2, { bigint: true });
    return { dev: stat.dev, ino: stat.ino };
  } catch (err) {
    void err; // EBADF: no stderr at all, so it is not the journal's stream either
    return null;
  }
}
