/**
 * `upkeep shutdown [--leave-running] [--json]`: the daemon stops every service in reverse
 * dependency order, then exits (with --leave-running it exits only, leaving every service to the
 * next daemon: docs/upgrade.md); this command waits until the socket stops answering (at most
 * 60 s) and says so, or with --json prints each service's final state (shutdown-results.ts).
 */
import { UpkeepError } from "../../core/errors.js";
import type { ParsedCommand } from "../command-spec.js";
import { requestJson, type Endpoint } from "../client.js";
import { writeLine, type CliIo } from "../io.js";
import { pollUntil } from "../poll.js";
import { writeFailedRequestJson, writeResultsJson } from "../render/action-results.js";
import { endpointFor, resolveTarget, type Target } from "../target.js";

const SHUTDOWN_DEADLINE_MS = 60_000;
const PROBE_TIMEOUT_MS = 2000;

/** True once nothing answers on the socket; false while the daemon (still) answers. */
export async function daemonGone(endpoint: Endpoint): Promise<boolean> {
  try {
    await requestJson(endpoint, "GET", "/api/v1/status", undefined, { timeoutMs: PROBE_TIMEOUT_MS });
    return false;
  } catch (err) {
    if (err instanceof UpkeepError && err.code === "DAEMON_NOT_RUNNING") return true;
    // Any other failure (a connection reset, a slow answer) happens while it is stopping.
    return false;
  }
}

/** Asks the daemon to shut down (or, with --leave-running, to exit only) and waits until it is gone. */
async function shutDown(target: Target, endpoint: Endpoint, leaveRunning: boolean): Promise<void> {
  await requestJson<{ ok: boolean }>(endpoint, "POST", "/api/v1/shutdown", { leave_running: leaveRunning });
  const gone = await pollUntil(async () => ((await daemonGone(endpoint)) ? true : undefined), {
    deadlineMs: SHUTDOWN_DEADLINE_MS,
    intervalMs: 100,
  });
  if (!gone) {
    throw new UpkeepError(
      "DAEMON_SHUTTING_DOWN",
      `the daemon still answers on ${target.socketPath} after 60 s of shutting down`,
      {
        hint: `see what it waits for with: upkeep status; its log is ${target.stateDir}/daemon.log`,
      },
    );
  }
}

/**
 * Shuts the daemon down and says so; --json: each service's final state, exit 1 if one is not
 * as asked (still running after a shutdown; not running after --leave-running).
 */
export async function run(command: ParsedCommand, io: CliIo): Promise<number> {
  const target = resolveTarget(command.globals, io.env, io.cwd);
  const endpoint = endpointFor(target);
  const leaveRunning = command.flags.leaveRunning === true;
  if (command.flags.json !== true) {
    await shutDown(target, endpoint, leaveRunning);
    writeLine(
      io.stdout,
      leaveRunning
        ? "upkeep daemon stopped; its services are left running for the next daemon to adopt"
        : "upkeep daemon stopped",
    );
    return 0;
  }
  const { watchShutdown } = await import("./shutdown-results.js");
  try {
    const watch = await watchShutdown(endpoint, leaveRunning ? (state) => state !== "stopping" : undefined);
    watch.arm();
    await shutDown(target, endpoint, leaveRunning);
    const results = await watch.results();
    writeResultsJson(io.stdout, { results });
    return results.every((r) => r.ok) ? 0 : 1;
  } catch (err) {
    writeFailedRequestJson(io.stdout, err);
    throw err;
  }
}
