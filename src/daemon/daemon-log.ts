/**
 * The daemon's own log: its messages and one line per event, in the format chosen
 * (log-format.ts), written through `out` (the guarded stderr, terminal.ts). Event lines of one
 * turn of the event loop go out in one write (a cold start of 1000 services prints 4000 lines;
 * one synchronous write each cost ≈0.15 ms per service); the events themselves are in the store
 * already, and a message flushes them first so that the order stays true.
 *
 * `routeConsole` sends console.error/warn/log of the whole daemon (the supervisor, the store
 * and the API report faults with console.error) through the same format, so that no line of
 * the daemon's stderr lacks its time and level, or breaks a JSON or journal stream.
 */
import { format } from "node:util";
import type { EventRecord } from "../store/store.js";
import { formatRecord, recordOfEvent, type LogLevel, type ResolvedLogFormat } from "./log-format.js";

export class DaemonLog {
  private readonly pending: string[] = [];

  constructor(
    readonly format: ResolvedLogFormat,
    private readonly out: (text: string) => void,
  ) {}

  /** One event's line, written at the end of this turn of the loop. */
  event(e: EventRecord): void {
    if (this.pending.length === 0) setImmediate(() => this.flush());
    this.pending.push(formatRecord(this.format, recordOfEvent(e)));
  }

  info(...parts: unknown[]): void {
    this.say("info", parts);
  }

  warn(...parts: unknown[]): void {
    this.say("warn", parts);
  }

  error(...parts: unknown[]): void {
    this.say("error", parts);
  }

  /** Writes the event lines still waiting (before the process exits). */
  flush(): void {
    if (this.pending.length === 0) return;
    const text = this.pending.join("");
    this.pending.length = 0;
    this.out(text);
  }

  /** console.error → error, console.warn → warn, console.log and console.info → info. */
  routeConsole(): void {
    console.error = (...parts: unknown[]) => this.error(...parts);
    console.warn = (...parts: unknown[]) => this.warn(...parts);
    console.log = (...parts: unknown[]) => this.info(...parts);
    console.info = (...parts: unknown[]) => this.info(...parts);
  }

  private say(level: LogLevel, parts: unknown[]): void {
    this.flush();
    this.out(formatRecord(this.format, { ts: Date.now(), level, message: format(...parts) }));
  }
}
