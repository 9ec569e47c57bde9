import { unlinkSync } from "node:fs";
import type { Server } from "node:http";
import type { Server as NetServer } from "node:net";
import { join } from "node:path";
import { formatNote, formatProblem } from "../config/format-problem.js";
import type { Config } from "../config/model.js";
import { loadConfig } from "../config/load.js";
import { writeFileAtomic } from "../core/atomic-write.js";
import { isErrno, UpkeepError } from "../core/errors.js";
import { openSqliteStore } from "../store/sqlite/open.js";
import type { EventRecord } from "../store/store.js";
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
import { closeStrayDescriptors } from "./stray-descriptors.js";
import { DaemonTerminal } from "./terminal.js";

export interface DaemonOptions {
  configFile: string;
  stateDirFlag?: string;
  force: boolean;
}

/**
 * Run the supervisor in the foreground until SIGTERM/SIGINT or `upkeep shutdown`; resolves
 * with the exit code (SPEC §4: 0 after a clean stop, 1 when it cannot run, 2 for a bad config).
 */
export async function runDaemon(options: DaemonOptions): Promise<number> {
  // Before anything is opened: a pipe of the caller held here would never reach end of file.
  closeStrayDescriptors();
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
  for (const note of loaded.notes) console.error(`upkeep: ${formatNote(note)}`);
  try {
    const socketGid = prepareStateDir(config);
    const lock = await acquireInstanceLock(config.stateDir, { warn: (line) => say(line) });
    return await runLocked(config, lock, options.force, socketGid);
  } catch (err) {
    if (!(err instanceof UpkeepError)) throw err;
    console.error(`upkeep: ${err.message}`);
    if (err.hint) console.error(`  hint: ${err.hint}`);
    return err.exitCode;
  }
}

async function runLocked(
  config: Config,
  lock: NetServer,
  force: boolean,
  socketGid: number | null,
): Promise<number> {
  // Keeps the newest `events_kept` events, pruning as they come (sqlite-store.ts).
  const store = openSqliteStore(config.stateDir, { eventsKept: config.eventsKept });
  writeFileAtomic(join(config.stateDir, "upkeep.pid"), String(process.pid));
  writeConfigSnapshot(config);
  const supervisor = new Supervisor(config, store);
  terminal = new DaemonTerminal((why) => {
    const reason = `stderr is gone (${why}): the daemon's messages are no longer printed; supervision goes on, and every event is in the store (upkeep events -f)`;
    supervisor.emit({ service: null, kind: "daemon", reason }).catch((err: unknown) => say("upkeep:", err));
  });
  supervisor.watchStore(() => store.checkFiles());
  supervisor.bus.subscribe(printEvent);
  const memory = new MemorySettler();
  supervisor.bus.subscribe(() => memory.activity());
  let stopping: Promise<number> | null = null;
  let control: Server | null = null;
  let http: HttpService | null = null;
  const socketPath = join(config.stateDir, "upkeep.sock");
  const done = new Promise<number>((resolve) => {
    const shutdown = (why: string, code = 0): void => {
      if (stopping) return;
      say(`upkeep: ${why}: stopping all services`);
      memory.stop();
      stopping = (async () => {
        await supervisor.shutdown();
        if (terminal?.gone) {
          const reason = `${terminal.unwritten} lines of the daemon's messages were not printed: stderr was gone (${terminal.gone})`;
          await supervisor.emit({ service: null, kind: "daemon", reason });
        }
        control?.close();
        http?.close(); // event streams end with the daemon
        removeFile(socketPath);
        removeFile(join(config.stateDir, "upkeep.pid"));
        await store.close();
        lock.close();
        return code;
      })();
      stopping.then(
        (code) => {
          flushEventLines(); // the last events, before the process exits
          resolve(code);
        },
        (err: unknown) => {
          flushEventLines();
          say("upkeep: shutdown failed:", err);
          resolve(1);
        },
      );
    };
    process.on("SIGTERM", () => shutdown("SIGTERM"));
    process.on("SIGINT", () => shutdown("SIGINT"));
    process.on("SIGHUP", () => {
      reloadConfig(supervisor, { dryRun: false }).catch((err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        say(`upkeep: SIGHUP: ${message}`);
      });
    });
    // A dump that cannot be written (full disk, something in the way) is an event, never fatal.
    process.on("SIGUSR1", () => answerStatusSignal(supervisor, say));
    void (async () => {
      await supervisor.start({ force });
      supervisor.storeHealth?.refresh();
      memory.startupDone();
      const api: ApiContext = { supervisor, requestShutdown: () => shutdown("shutdown requested") };
      control = await listenControlSocket(socketPath, api, socketGid);
      const service = new HttpService(supervisor, api, say);
      http = service;
      await service.apply(config.http, "start");
      // A reload that changed `http` moves, starts or stops the listener.
      supervisor.bus.subscribe((e) => {
        if (e.kind !== "config" || e.service !== null || stopping) return;
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
      if (err instanceof UpkeepError) sayError("start-up failed", err);
      else say("upkeep: start-up failed:", err);
      shutdown("start-up failed", err instanceof UpkeepError ? err.exitCode : 1);
    });
  });
  return done;
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
    if (!isErrno(err, "ENOENT")) console.error(`upkeep: could not remove ${path}: ${(err as Error).message}`);
  }
}

/**
 * Foreground output: one line per event, so `npm start` shows what happens. Lines of one turn
 * of the event loop go out in one write (a cold start of 1000 services prints 4000 lines;
 * one synchronous write each cost ≈0.15 ms per service). The events themselves are in the
 * store already; only this echo waits for the end of the turn.
 */
function printEvent(e: EventRecord): void {
  const time = new Date(e.ts).toISOString().slice(11, 23);
  const change = e.kind === "state" && e.from !== e.to ? `${e.from} → ${e.to}: ` : `${e.kind}: `;
  if (pendingLines.length === 0) setImmediate(flushEventLines);
  pendingLines.push(`${time} ${e.service ?? "daemon"} ${change}${e.reason}\n`);
}

const pendingLines: string[] = [];
/** stderr, guarded once the daemon runs: a reader that goes away must not end it (terminal.ts). */
let terminal: DaemonTerminal | null = null;

/** An error as the operator should read it: the message, then the hint; a stack only for bugs. */
function sayError(what: string, err: unknown): void {
  if (!(err instanceof UpkeepError)) return say(`upkeep: ${what}:`, err);
  say(`upkeep: ${what}: ${err.message}`);
  if (err.hint) console.error(`  hint: ${err.hint}`);
}

/** The daemon's own messages: after the event lines printed so far, so the order stays true. */
function say(...parts: unknown[]): void {
  flushEventLines();
  if (terminal) terminal.say(...parts);
  else console.error(...parts);
}

function flushEventLines(): void {
  if (pendingLines.length === 0) return;
  const text = pendingLines.join("");
  pendingLines.length = 0;
  if (terminal) terminal.write(text);
  else process.stderr.write(text);
}
