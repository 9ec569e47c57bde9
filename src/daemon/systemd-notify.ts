/**
 * The daemon's own side of sd_notify (systemd's `Type=notify`, docs/systemd.md): READY=1 once
 * its control socket answers, STATUS= with a summary of the services whenever it changes,
 * STOPPING=1 (with the worst-case time the stop may take) when it shuts down, WATCHDOG=1 at
 * half the period systemd asks for when the unit sets WatchdogSec=.
 *
 * NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID are read once and taken out of the daemon's
 * environment (sd_notify's unset_environment), so nothing the daemon starts can speak for its
 * unit; services never got them anyway (service-env.ts). A message that cannot be sent (the
 * receiver went away, its queue is full) is said once on stderr and supervision goes on: being
 * told is systemd's convenience, never a condition of running.
 */
import { deleteDaemonVariable } from "../core/daemon-env.js";
import { native, nativeError } from "../core/native.js";
import { SERVICE_STATES, type ServiceState } from "../service/states.js";

/** STATUS= updates wait this long for more changes: a start of 1000 services sends a few, not 4000. */
const STATUS_COALESCE_MS = 200;

export interface NotifyTarget {
  /** NOTIFY_SOCKET: a path or an abstract name ('@...'). */
  address: string;
  /** The watchdog period systemd expects a ping within, in microseconds; null when unset. */
  watchdogUsec: number | null;
}

/**
 * Reads the notify target from the environment and removes the variables from it; null when
 * systemd did not ask to be told (no NOTIFY_SOCKET). WATCHDOG_USEC counts only when
 * WATCHDOG_PID is unset or names this process, as sd_watchdog_enabled(3) has it.
 */
export function takeNotifyTarget(env: NodeJS.ProcessEnv = process.env): NotifyTarget | null {
  const address = env["NOTIFY_SOCKET"];
  const usec = env["WATCHDOG_USEC"];
  const pid = env["WATCHDOG_PID"];
  for (const name of ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"]) {
    if (env === process.env) deleteDaemonVariable(name);
    else delete env[name];
  }
  if (address === undefined || address === "") return null;
  const forUs = pid === undefined || pid === "" || Number(pid) === process.pid;
  const period = usec !== undefined && /^[1-9]\d*$/.test(usec) ? Number(usec) : null;
  return { address, watchdogUsec: forUs ? period : null };
}

/** "12 services: 11 running, 1 backoff", states in the SPEC's order; "no services" for none. */
export function summarizeStates(states: Iterable<ServiceState>): string {
  const counts = new Map<ServiceState, number>();
  let total = 0;
  for (const state of states) {
    counts.set(state, (counts.get(state) ?? 0) + 1);
    total += 1;
  }
  if (total === 0) return "no services";
  const parts = SERVICE_STATES.filter((s) => counts.has(s)).map((s) => `${counts.get(s)} ${s}`);
  return `${total} service${total === 1 ? "" : "s"}: ${parts.join(", ")}`;
}

/** Tells systemd how the daemon is doing; every method is a no-op once closed. */
export class SystemdNotifier {
  private lastStatus: string | null = null;
  private statusTimer: NodeJS.Timeout | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private failed = false;
  private closed = false;
  /** STOPPING=1 was sent: a start-up that finishes after a SIGTERM must not say READY=1. */
  private stopped = false;

  constructor(
    private readonly target: NotifyTarget,
    private readonly say: (line: string) => void,
    /** The daemon's summary now (summarizeStates over the runners). */
    private readonly summary: () => string,
  ) {}

  /** READY=1 with the first STATUS=, and the watchdog's pings from now on. */
  ready(): void {
    if (this.stopped) return;
    this.lastStatus = this.summary();
    this.send(`READY=1\nSTATUS=${this.lastStatus}`);
    const usec = this.target.watchdogUsec;
    if (usec !== null && this.watchdog === null) {
      // Half the period, as sd_watchdog_enabled(3) advises. The ping runs on the event loop:
      // a loop stuck longer than the period is what the watchdog is there to catch.
      this.watchdog = setInterval(() => this.send("WATCHDOG=1"), Math.max(1, Math.floor(usec / 2000)));
      this.watchdog.unref();
    }
  }

  /** Something changed: STATUS= is sent shortly (changes within STATUS_COALESCE_MS make one). */
  statusChanged(): void {
    if (this.stopped || this.lastStatus === null || this.statusTimer !== null) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = null;
      const status = this.summary();
      if (status === this.lastStatus) return;
      this.lastStatus = status;
      this.send(`STATUS=${status}`);
    }, STATUS_COALESCE_MS);
    this.statusTimer.unref();
  }

  /**
   * STOPPING=1, and EXTEND_TIMEOUT_USEC with how long stopping every service may take: a
   * config edited since the unit was written may need more than its TimeoutStopSec=, and
   * systemd then waits that long instead of killing the daemon mid-stop.
   */
  stopping(worstMs: number): void {
    this.stopped = true;
    this.clearTimers();
    this.send(`STOPPING=1\nSTATUS=stopping all services\nEXTEND_TIMEOUT_USEC=${Math.ceil(worstMs) * 1000}`);
  }

  /** Stops the timers; nothing is sent after this. */
  close(): void {
    this.clearTimers();
    this.closed = true;
  }

  private clearTimers(): void {
    if (this.statusTimer !== null) clearTimeout(this.statusTimer);
    if (this.watchdog !== null) clearInterval(this.watchdog);
    this.statusTimer = null;
    this.watchdog = null;
  }

  private send(text: string): void {
    if (this.closed) return;
    try {
      if (native === null || typeof native.notifySend !== "function") {
        throw new Error("the native addon is not loaded or predates notifySend (run npm ci)");
      }
      native.notifySend(this.target.address, text);
      this.failed = false;
    } catch (err) {
      // Said once per run of failures, not once per ping.
      if (this.failed) return;
      this.failed = true;
      const why = nativeError(err).message;
      this.say(`upkeep: could not tell systemd (NOTIFY_SOCKET=${this.target.address}): ${why}`);
    }
  }
}
