import { unlinkSync } from "node:fs";
import type { Server } from "node:http";
import type { Server as NetServer } from "node:net";
import { join } from "node:path";
import { formatNote, formatProblem } from "../config/format-problem.js";
import type { Config } from "../config/model.js";
import { loadConfig } from "../config/load.js";
import { writeFileAtomic } from "../core/atomic-write.js";
import { isErrno, UpkeepError } from "../core/errors.js";
import { nativeFallbackNotice } from "../core/native.js";
import { openSqliteStore } from "../store/sqlite/open.js";
import { reloadConfig } from "../supervisor/apply-config.js";
import { Supervisor } from "../supervisor/supervisor.js";
import type { ApiContext } from "../api/app.js";
import { listenControlSocket } from "./control-socket.js";
import { HttpService } from "./http-service.js";
import { writeConfigSnapshot } from "../config/snapshot.js";
import { acquireInstanceLock } from "./instance-lock.js";
import { MemorySettler } from "./settle-memory.js";
import { prepareTrustedStateDir, resolveSocketGroup } from "./state-dir-trust.js";
import { answerStatusSignal } from "./status-dump.js";
import { becomeParentOfOrphans } from "./reaper.js";
import { closeStrayDescriptors } from "./stray-descriptors.js";
import { worstShutdownMs } from "../config/shutdown-time.js";
import { joinSupervisorLeaf } from "./cgroup-leaf.js";
import { SystemdNotifier, summarizeStates, takeNotifyTarget, type NotifyTarget } from "./systemd-notify.js";
import { DaemonTerminal } from "./terminal.js";
import {
  flushEventLines,
  guardStderr,
  printEvent,
  rotateDaemonLog,
  say,
  sayError,
  sayWarning,
  startDaemonOutput,
} from "./daemon-output.js";
import type { LogFormat } from "./log-format.js";
import { attachNotifications } from "./notifications.js";

export interface DaemonOptions {
  configFile: string;
  stateDirFlag?: string;
  force: boolean;
  /** The daemon's own log lines: auto (journal under systemd, else text), text, json, journal. */
  logFormat?: LogFormat;
}

/**
 * Run the supervisor in the foreground until SIGTERM/SIGINT or `upkeep shutdown`; resolves
 * with the exit code (SPEC §4: 0 after a clean stop, 1 when it cannot run, 2 for a bad config).
 */
export async function runDaemon(options: DaemonOptions): Promise<number> {
  // Before anything is opened: a pipe of the caller held here would never reach end of file.
  closeStrayDescriptors();
  startDaemonOutput(options.logFormat ?? "auto");
  // systemd's notify socket is the daemon's alone: read and removed before anything is spawned.
  const notifyTarget = takeNotifyTarget();
  const stateDirOverride = options.stateDirFlag ?? process.env["UPKEEP_STATE_DIR"];
  const loaded = loadConfig(options.configFile, stateDirOverride ? { stateDirOverride } : {});
  if (!loaded.ok) {
    for (const p of loaded.problems) console.error(formatProblem(p));
    console.error(
      `upkeep: config ${options.configFile} has ${loaded.problems.length} problem(s); the daemon did not start`,
    );
    return 2;
  }
  const { config } = loaded;
  // Keys accepted but not acted on (e.g. `http:`) are said at start, not only by `config check`.
  for (const note of loaded.notes) sayWarning(`upkeep: ${formatNote(note)}`);
  if (nativeFallbackNotice !== null) sayWarning(`upkeep: ${nativeFallbackNotice}`);
  try {
    const socketGid = prepareStateDir(config);
    rotateDaemonLog(config.stateDir);
    const lock = await acquireInstanceLock(config.stateDir, { warn: (line) => sayWarning(line) });
    return await runLocked(config, lock, options.force, socketGid, notifyTarget);
  } catch (err) {
    if (!(err instanceof UpkeepError)) throw err;
    sayError(null, err);
    return err.exitCode;
  }
}

async function runLocked(
  config: Config,
  lock: NetServer,
  force: boolean,
  socketGid: number | null,
  notifyTarget: NotifyTarget | null,
): Promise<number> {
  // Before any spawn: orphans come to the daemon, and none of its children's statuses is taken.
  becomeParentOfOrphans({ info: say, warn: sayWarning });
  // Keeps the newest `events_kept` events, pruning as they come (sqlite-store.ts).
  const { keep, maxAgeMs } = config.incidents;
  const store = openSqliteStore(config.stateDir, {
    eventsKept: config.eventsKept,
    incidentRetention: { keep, maxAgeMs },
  });
  writeFileAtomic(join(config.stateDir, "upkeep.pid"), String(process.pid));
  writeConfigSnapshot(config);
  joinSupervisorLeaf(say); // under systemd's Delegate=yes: before the supervisor makes any cgroup
  const supervisor = new Supervisor(config, store);
  const systemd = notifyTarget && new SystemdNotifier(notifyTarget, say, () => summarizeServices(supervisor));
  if (systemd) supervisor.bus.subscribe(() => systemd.statusChanged());
  const terminal = new DaemonTerminal((why) => {
    const reason = `stderr is gone (${why}): the daemon's messages are no longer printed; supervision goes on, and every event is in the store (upkeep events -f)`;
    supervisor
      .emit({ service: null, kind: "daemon", reason })
      .catch((err: unknown) => sayError("stderr", err));
  });
  guardStderr(terminal);
  supervisor.watchStore(() => store.checkFiles());
  supervisor.bus.subscribe(printEvent);
  const notify = attachNotifications(supervisor, store);
  const memory = new MemorySettler();
  supervisor.bus.subscribe(() => memory.activity());
  let stopping: Promise<number> | null = null;
  let control: Server | null = null;
  let http: HttpService | null = null;
  const socketPath = join(config.stateDir, "upkeep.sock");
  const done = new Promise<number>((resolve) => {
    const shutdown = (why: string, code = 0, leaveRunning = false): void => {
      if (stopping) return;
      say(
        `upkeep: ${why}: ${leaveRunning ? "leaving every service running for the next daemon" : "stopping all services"}`,
      );
      systemd?.stopping(leaveRunning ? 0 : worstShutdownMs(supervisor.config.services));
      memory.stop();
      stopping = (async () => {
        await (leaveRunning ? supervisor.leaveRunning() : supervisor.shutdown());
        // Tries in flight are cut short; what waits stays in the outbox for the next daemon.
        notify.notifier.close();
        if (terminal.gone) {
          const reason = `${terminal.unwritten} lines of the daemon's messages were not printed: stderr was gone (${terminal.gone})`;
          await supervisor.emit({ service: null, kind: "daemon", reason });
        }
        control?.close();
        http?.close(); // event streams end with the daemon
        removeFile(socketPath);
        removeFile(join(config.stateDir, "upkeep.pid"));
        await store.close();
        lock.close();
        // The last events went to event followers with res.write, which Node's HTTP layer
        // corks until the next tick; the exit that follows within the same run of promise jobs
        // would drop them (`upkeep events -f` never saw "daemon stopped"). One turn of the
        // event loop lets those writes reach the sockets.
        await new Promise((resolveTurn) => setImmediate(resolveTurn));
        return code;
      })();
      stopping.then(
        (code) => {
          systemd?.close();
          flushEventLines(); // the last events, before the process exits
          resolve(code);
        },
        (err: unknown) => {
          systemd?.close();
          flushEventLines();
          sayError("shutdown failed", err);
          resolve(1);
        },
      );
    };
    process.on("SIGTERM", () => shutdown("SIGTERM"));
    process.on("SIGINT", () => shutdown("SIGINT"));
    process.on("SIGHUP", () => {
      reloadConfig(supervisor, { dryRun: false }).catch((err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        sayWarning(`upkeep: SIGHUP: ${message}`);
      });
    });
    // A dump that cannot be written (full disk, something in the way) is an event, never fatal.
    process.on("SIGUSR1", () => answerStatusSignal(supervisor, say));
    void (async () => {
      // What an earlier daemon could not deliver goes out now (src/notify/outbox-queue.ts).
      const left = await notify.notifier.start().catch((err: unknown) => {
        say(`upkeep: the notification outbox could not be read (${String(err)}); what it holds is not sent`);
        return 0;
      });
      if (left > 0) say(`upkeep: ${left} notifications left by an earlier daemon are being sent`);
      await supervisor.start({ force });
      supervisor.storeHealth?.refresh();
      memory.startupDone();
      notify.notifier.preloadChannels();
      const api: ApiContext = {
        supervisor,
        requestShutdown: (options) => shutdown("shutdown requested", 0, options?.leaveRunning === true),
        notify,
      };
      control = await listenControlSocket(socketPath, api, socketGid);
      systemd?.ready(); // the socket answers now: what Type=notify waits for
      const service = new HttpService(supervisor, api, say);
      http = service;
      await service.apply(config.http, "start");
      // A reload that changed `http` moves, starts or stops the listener.
      supervisor.bus.subscribe((e) => {
        if (e.kind !== "config" || e.service !== null || stopping) return;
        notify.notifier.preloadChannels();
        service
          .apply(supervisor.config.http, "reload")
          .catch((err: unknown) => say("upkeep: HTTP listener:", err));
      });
      say(
        `upkeep: daemon running (PID ${process.pid}), ${supervisor.runners.size} services, socket ${socketPath}` +
          (service.url !== null ? `, dashboard and API on ${service.url}` : ""),
      );
    })().catch((err: unknown) => {
      // Refused files in the state dir and the like: said plainly, and the exit is not 0, even
      // though the stop that follows is clean.
      sayError("start-up failed", err);
      shutdown("start-up failed", err instanceof UpkeepError ? err.exitCode : 1);
    });
  });
  return done;
}

/** STATUS= for systemd: how many services are in which state. */
function summarizeServices(supervisor: Supervisor): string {
  return summarizeStates([...supervisor.runners.values()].map((r) => r.state));
}

/** Creates and checks the state dir (state-dir-trust.ts); returns socket_group's gid or null. */
function prepareStateDir(config: Config): number | null {
  const socketGid = resolveSocketGroup(config.socketGroup, config.file);
  prepareTrustedStateDir(config.stateDir, { socketGid });
  return socketGid;
}

function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if (!isErrno(err, "ENOENT")) sayWarning(`upkeep: could not remove ${path}: ${(err as Error).message}`);
  }
}
