/**
 * One-shot probes: ready and health checks of kind tcp, http and exec, and conditions of kind
 * tcp, http, exec and path. Each try is bounded by a timeout and the caller's abort signal and
 * ends in a verdict with a detail for the operator; runProbe never rejects. The log and notify
 * kinds are not one-shot (they wait for the service to say something: logs/wait-for-line.ts,
 * health/notify-socket.ts), so the type leaves them out.
 */
import type { ProbeSpec } from "../config/model.js";
import { probeExec } from "./exec.js";
import { probeHttp } from "./http.js";
import { probePath } from "./path.js";
import { ABORTED, describeError, type ProbeContext, type ProbeOutcome } from "./probe-outcome.js";
import { probeTcp } from "./tcp.js";

/** The probe kinds runProbe runs. */
export const ONE_SHOT_PROBE_KINDS = ["tcp", "http", "exec", "path"] as const;
export type OneShotProbeSpec = Extract<ProbeSpec, { kind: (typeof ONE_SHOT_PROBE_KINDS)[number] }>;

export interface ProbeOptions {
  /** A try that takes longer failed; the probe's socket, request or process is ended. */
  timeoutMs: number;
  /** Ends the try at once with detail "aborted" (an exec probe's process group is killed first). */
  signal?: AbortSignal;
  /** exec: the command's working directory (default: the daemon's). */
  cwd?: string;
  /** exec: the command's environment (default: the daemon's). */
  env?: NodeJS.ProcessEnv;
  /** exec: the user and group to run the command as (the service's, when the daemon is root). */
  uid?: number;
  gid?: number;
}

export interface ProbeResult {
  ok: boolean;
  /** What was tried and what came of it, e.g. "connect 127.0.0.1:8080: connection refused (ECONNREFUSED)". */
  detail: string;
  /** How long the try took, in whole milliseconds. */
  ms: number;
}

/** True for the kinds runProbe runs (not log, not notify). */
export function isOneShotProbe(spec: ProbeSpec): spec is OneShotProbeSpec {
  return (ONE_SHOT_PROBE_KINDS as readonly string[]).includes(spec.kind);
}

/** Runs one try of the probe; resolves with its verdict, never rejects, never blocks the loop. */
export async function runProbe(spec: OneShotProbeSpec, options: ProbeOptions): Promise<ProbeResult> {
  const started = performance.now();
  const context: ProbeContext = {
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    cwd: options.cwd,
    env: options.env,
    uid: options.uid,
    gid: options.gid,
  };
  let outcome: ProbeOutcome;
  try {
    outcome = context.signal?.aborted ? ABORTED : await dispatch(spec, context);
  } catch (err) {
    // Each probe settles every failure itself; this is the promise's last line of defence.
    outcome = { ok: false, detail: `${spec.kind} probe failed: ${describeError(err)}` };
  }
  return { ...outcome, ms: Math.round(performance.now() - started) };
}

function dispatch(spec: OneShotProbeSpec, context: ProbeContext): Promise<ProbeOutcome> {
  switch (spec.kind) {
    case "tcp":
      return probeTcp(spec, context);
    case "http":
      return probeHttp(spec, context);
    case "exec":
      return probeExec(spec, context);
    case "path":
      return probePath(spec, context);
    default: {
      // Reached only by a caller that went around the type: say so rather than reject.
      const other: never = spec;
      return Promise.resolve({ ok: false, detail: `${(other as ProbeSpec).kind} is not a one-shot probe` });
    }
  }
}
