/**
 * `upkeep reload NAME` (SPEC §2 "Reload"): only a service whose config says how it reloads is
 * reloaded: `reload_signal` (sent to its main process) or `reload.command` (run with $MAINPID).
 * Others are refused with the keys to set, never sent a signal that may kill them (SIGHUP's
 * default action is to terminate: a `python3 -m http.server` dies of it).
 *
 * A reload is watched, not assumed: a main process that dies within RELOAD_WATCH_MS of the
 * signal or of the command's end died on the reload, and that is a failed reload (a
 * `reload_failed` event; the restart policy restarts it as after any death). A notify service
 * that answers with RELOADING=1 is reloaded once it sends READY=1 again (systemd's protocol),
 * within the reload timeout.
 */
import { serviceKeyPath, type ServiceConfig } from "../config/model.js";
import { DEFAULT_RELOAD_TIMEOUT_MS } from "../config/schema.js";
import { formatDuration } from "../core/duration.js";
import { checkIdentity } from "../identity/process-identity.js";
import { runReloadCommand } from "../service/reload-command.js";
import type { ServiceRunner } from "../service/runner.js";
import type { ProcessRecord } from "../store/store.js";
import { result, type ActionResult } from "./actions.js";
import type { Supervisor } from "./supervisor.js";

/** How long after the signal (or the command's exit) the main process is watched for a death. */
const RELOAD_WATCH_MS = 1_000;

/** `reload_signal: SIGHUP` → "SIGHUP"; `reload.command` → "the reload command"; null: no reload. */
export function describeReloadWay(config: ServiceConfig): string | null {
  if (config.reloadSignal !== null) return config.reloadSignal;
  if (config.reload !== null) return "the reload command";
  return null;
}

/** Why `reload --all` leaves the service out, or null when it can be reloaded now. */
export function reasonToSkipReload(runner: ServiceRunner): string | null {
  if (describeReloadWay(runner.config) === null) return "no reload_signal or reload.command set";
  if (runner.state !== "running") return `${runner.state}, nothing to reload`;
  return null;
}

/** Reload one service and watch the result (see the file's comment). */
export async function reloadService(supervisor: Supervisor, runner: ServiceRunner): Promise<ActionResult> {
  const { config, name } = runner;
  const way = describeReloadWay(config);
  if (way === null) {
    return result(runner, false, `${name} has no reload: neither reload_signal nor reload.command is set`, {
      hint:
        `set ${serviceKeyPath(config, "reload_signal")}: SIGHUP if the program reloads on SIGHUP, or ` +
        `${serviceKeyPath(config, "reload")}: { command: [...] }, then: upkeep reload-config; ` +
        `or restart it instead: upkeep restart ${name}`,
    });
  }
  const record = runner.record;
  if (runner.state !== "running" || record === null) {
    const hint =
      runner.state === "starting"
        ? `wait until it is running: upkeep status ${name}`
        : `start it: upkeep start ${name}`;
    return result(runner, false, `${name} is ${runner.state}, not running: nothing to reload`, { hint });
  }
  // Signal only the process whose identity is proven: a PID alone may name another program.
  if (checkIdentity(record).status !== "live") {
    return result(
      runner,
      false,
      `${name}: PID ${record.pid} is no longer the service's process; not reloaded`,
      {
        hint: `check its state with: upkeep status ${name}`,
      },
    );
  }
  const notify = new NotifyWatch();
  const unwatch =
    config.ready?.probe.kind === "notify"
      ? supervisor.watchNotify(runner, record, (state, pid) => notify.saw(state, pid))
      : null;
  const began = Date.now();
  try {
    const sent = await sendReload(runner, record);
    if (!sent.ok) {
      // A command that failed because the service died meanwhile: the death is the news.
      if (hasDied(runner, record)) return await diedOnReload(supervisor, runner, record, way);
      return await failed(supervisor, runner, record, way, sent.why);
    }
    await watchReload(runner, record, notify, RELOAD_WATCH_MS);
    // The identity check in hasDied also catches a forking or external main process whose
    // exit the watcher has not reported yet.
    if (hasDied(runner, record)) return await diedOnReload(supervisor, runner, record, way);
    if (notify.reloading && notify.readyFrom === null) {
      const timeoutMs = config.reload?.timeoutMs ?? config.ready?.timeoutMs ?? DEFAULT_RELOAD_TIMEOUT_MS;
      await watchReload(runner, record, notify, began + timeoutMs - Date.now());
      if (hasDied(runner, record)) return await diedOnReload(supervisor, runner, record, way);
      if (notify.readyFrom === null) {
        const why = `it sent RELOADING=1 but no READY=1 within ${formatDuration(timeoutMs)}`;
        return await failed(supervisor, runner, record, way, why);
      }
    }
    const outcome =
      notify.readyFrom !== null
        ? `${sent.what}, READY=1 from PID ${notify.readyFrom}`
        : `${sent.what}, still running PID ${record.pid}`;
    await supervisor.emit({ service: name, kind: "action", reason: `reloaded (${outcome})` });
    return result(runner, true, `reloaded ${name} (${outcome})`);
  } finally {
    unwatch?.();
  }
}

/** RELOADING=1 and READY=1 seen from the service's tree since the reload began. */
class NotifyWatch {
  reloading = false;
  /** The sender of the READY=1 that followed RELOADING=1: the end of the reload. */
  readyFrom: number | null = null;
  /** Called after each message (set while a watch waits). */
  onMessage: (() => void) | null = null;

  saw(state: "reloading" | "ready", pid: number): void {
    if (state === "reloading") this.reloading = true;
    else if (this.reloading) this.readyFrom = pid;
    this.onMessage?.();
  }
}

type Sent = { ok: true; what: string } | { ok: false; why: string };

/** Send the reload signal, or run the reload command to its end. */
async function sendReload(runner: ServiceRunner, record: ProcessRecord): Promise<Sent> {
  const { config } = runner;
  if (config.reloadSignal !== null) {
    try {
      process.kill(record.pid, config.reloadSignal);
    } catch (err) {
      // ESRCH: it ended between the identity check and the kill; the watch that follows says so.
      return { ok: true, what: `${config.reloadSignal} not delivered: ${(err as Error).message}` };
    }
    return { ok: true, what: config.reloadSignal };
  }
  const result = await runReloadCommand(config, config.reload!, record.pid, runner.output);
  if (!result.ok) return result;
  return { ok: true, what: `reload command PID ${result.pid} exited 0` };
}

/** The recorded main process is no longer the service's live process. */
function hasDied(runner: ServiceRunner, record: ProcessRecord): boolean {
  return runner.record !== record || runner.state !== "running" || checkIdentity(record).status !== "live";
}

/**
 * Waits up to `ms` for the main process's death or the READY=1 that ends a notify reload,
 * whichever comes first; looked at after each event of the runner and each notify message.
 */
async function watchReload(
  runner: ServiceRunner,
  record: ProcessRecord,
  notify: NotifyWatch,
  ms: number,
): Promise<void> {
  const settled = (): boolean => notify.readyFrom !== null || hasDied(runner, record);
  if (settled() || ms <= 0) return;
  await new Promise<void>((resolve) => {
    const finish = (): void => {
      clearTimeout(timer);
      off();
      notify.onMessage = null;
      resolve();
    };
    const check = (): void => {
      if (settled()) finish();
    };
    const timer = setTimeout(finish, ms);
    const off = runner.onChange(check);
    notify.onMessage = check;
  });
}

async function diedOnReload(
  supervisor: Supervisor,
  runner: ServiceRunner,
  record: ProcessRecord,
  way: string,
): Promise<ActionResult> {
  // The exit is handled by the runner's queue: wait for it so the status and the policy's
  // answer (backoff, exited, failed) are known before they are told.
  await runner.waitUntil((r) => r.record !== record, RELOAD_WATCH_MS);
  const { lastSignal, lastExitCode } = runner.context;
  const exit =
    runner.record === record
      ? "its process is gone"
      : lastSignal !== null
        ? `killed by ${lastSignal}`
        : lastExitCode !== null
          ? `exited with code ${lastExitCode}`
          : "exit status unknown";
  const why = `it died on reload (${way}: ${exit})`;
  return failed(supervisor, runner, record, way, why, true);
}

/** A failed reload: a `reload_failed` event and an answer that says what follows. */
async function failed(
  supervisor: Supervisor,
  runner: ServiceRunner,
  record: ProcessRecord,
  way: string,
  why: string,
  died = false,
): Promise<ActionResult> {
  const { name } = runner;
  await supervisor.emit({
    service: name,
    kind: "reload_failed",
    reason: `reload failed: ${why}`,
    details: { pid: record.pid, way, died },
  });
  const next = died ? `; ${policyAnswer(runner)}` : "";
  const hint = died
    ? `the program does not survive ${way}: see its output: upkeep logs ${name} -n 50; ` +
      `if it cannot reload, remove ${serviceKeyPath(runner.config, runner.config.reloadSignal !== null ? "reload_signal" : "reload")} and use: upkeep restart ${name}`
    : `see its output: upkeep logs ${name} -n 50; and its events: upkeep events ${name}`;
  return result(runner, false, `reload of ${name} failed: ${why}${next}`, { hint });
}

/** What the restart policy made of the death. */
function policyAnswer(runner: ServiceRunner): string {
  switch (runner.state) {
    case "backoff":
    case "starting":
    case "waiting":
      return `restarting by its policy (restart: ${runner.config.restart})`;
    case "running":
      return `restarted by its policy (PID ${runner.context.pid ?? "?"})`;
    case "exited":
    case "failed":
    case "stopped":
    case "stopping":
      return `not restarted: ${runner.state}: ${runner.reason}`;
    default: {
      const never: never = runner.state;
      return String(never);
    }
  }
}
