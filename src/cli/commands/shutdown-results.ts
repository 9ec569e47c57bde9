/**
 * Per-service results of `upkeep shutdown --json`. The daemon answers the shutdown request
 * before it stops anything, and is gone when it is done, so the results are what it told while
 * stopping: the states of a status snapshot taken first, updated by the `state` events of a
 * follower opened before the request, until the stream ends as the daemon exits. Not at its
 * `daemon stopped` event: a service's last event may be published after it (its runner is
 * `stopped` before the event's store write returns). Nothing is guessed from PIDs.
 */
import type { EventJson, StatusJson } from "../../api/wire.js";
import { openStream, requestJson, type Endpoint } from "../client.js";
import type { ServiceResultJson } from "../render/action-results.js";
import { createSseParser } from "../sse-parser.js";
import { eventsPath } from "./events.js";

/** States in which no process of the service runs: a shutdown left it down. */
const DOWN_STATES: ReadonlySet<string> = new Set(["stopped", "exited", "failed"]);
/** How long the results wait for the stream's end once the daemon's socket is gone (it exits then). */
const STREAM_END_WAIT_MS = 2_000;

interface Seen {
  state: string;
  pid: number | null;
}

export interface ShutdownWatch {
  /** Call right before the shutdown request: only events after it count. */
  arm(): void;
  /** The results, once the daemon is gone (or given up on); closes the follower. */
  results(): Promise<ServiceResultJson[]>;
}

/**
 * Opens the follower and takes the snapshot. `isOk` says whether a final state is the wanted
 * one (by default: no process runs); a mode that leaves services running passes its own.
 */
export async function watchShutdown(
  endpoint: Endpoint,
  isOk: (state: string) => boolean = (state) => DOWN_STATES.has(state),
): Promise<ShutdownWatch> {
  const seen = new Map<string, Seen>();
  let armed = false;
  const feed = createSseParser((data) => {
    if (!armed) return;
    let event: EventJson;
    try {
      event = JSON.parse(data) as EventJson;
    } catch (err) {
      void err; // not an event: nothing to learn from it, the other events still count
      return;
    }
    const before = event.service === null ? undefined : seen.get(event.service);
    if (event.kind !== "state" || event.to === null || before === undefined) return;
    before.state = event.to;
    if (DOWN_STATES.has(event.to)) before.pid = null;
  });
  const stream = await openStream(endpoint, eventsPath(undefined, 0, true), feed);
  const status = await requestJson<StatusJson>(endpoint, "GET", "/api/v1/status");
  for (const s of status.services) seen.set(s.name, { state: s.state, pid: s.pid });
  return {
    arm: () => {
      armed = true;
    },
    results: async () => {
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, STREAM_END_WAIT_MS)));
      await Promise.race([stream.ended, waited]);
      clearTimeout(timer);
      stream.close();
      return [...seen].map(([service, { state, pid }]) => toResult(service, state, pid, isOk(state)));
    },
  };
}

function toResult(service: string, state: string, pid: number | null, ok: boolean): ServiceResultJson {
  const message = ok ? `${service} ${state}` : `${service} is still ${state} after the shutdown`;
  const result: ServiceResultJson = { service, ok, action: "shutdown", state, pid, message };
  if (!ok)
    result.error = {
      code: "SERVICE_ACTION_FAILED",
      message,
      hint: `the next daemon adopts it; see: upkeep logs ${service} -n 50`,
    };
  return result;
}
