/**
 * What the one-shot probes (tcp.ts, http.ts, exec.ts, path.ts) share: their inputs, their
 * outcome, the operator-facing wording of system errors, and the one way a probe is bounded
 * by its timeout and the caller's abort signal.
 */
import { getSystemErrorMap } from "node:util";
import { formatDuration } from "../core/duration.js";

/** What runProbe passes each probe. */
export interface ProbeContext {
  timeoutMs: number;
  signal: AbortSignal | undefined;
  cwd: string | undefined;
  env: NodeJS.ProcessEnv | undefined;
  uid: number | undefined;
  gid: number | undefined;
}

/** A probe's verdict; runProbe adds how long it took. */
export interface ProbeOutcome {
  ok: boolean;
  /** For the operator: what was tried and what came of it. */
  detail: string;
}

export const ABORTED: ProbeOutcome = { ok: false, detail: "aborted" };

const SYSTEM_ERRORS = getSystemErrorMap();

/** "connection refused (ECONNREFUSED)", "host not found (ENOTFOUND)", else the message and code. */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const error = err as NodeJS.ErrnoException;
  // DNS failures carry getaddrinfo's codes, which the system error map does not name.
  if (error.code === "ENOTFOUND") return "host not found (ENOTFOUND)";
  if (error.syscall === "getaddrinfo" && error.code) return `name lookup failed (${error.code})`;
  const known = typeof error.errno === "number" ? SYSTEM_ERRORS.get(error.errno) : undefined;
  if (known) return `${known[1]} (${known[0]})`;
  return error.code ? `${error.message} (${error.code})` : error.message;
}

/** "no answer within 2s". */
export function noAnswerWithin(timeoutMs: number): string {
  return `no answer within ${formatDuration(timeoutMs)}`;
}

/**
 * Runs a probe that can be dropped at any moment (a socket, a request, a stat): `start` gets
 * a `finish` that settles the outcome once and returns a cleanup (destroy the socket). The
 * timeout settles `${subject}: ${timeoutText()}`, the abort "aborted", a throw from `start`
 * `${subject}: <error>`. The promise never rejects.
 */
export function runBounded(
  context: ProbeContext,
  subject: string,
  start: (finish: (outcome: ProbeOutcome) => void) => () => void,
  timeoutText: () => string = () => noAnswerWithin(context.timeoutMs),
): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const { signal } = context;
    if (signal?.aborted) {
      resolve(ABORTED);
      return;
    }
    let settled = false;
    let cleanup: (() => void) | null = null;
    const finish = (outcome: ProbeOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      cleanup?.();
      resolve(outcome);
    };
    const onAbort = (): void => finish(ABORTED);
    const timer = setTimeout(
      () => finish({ ok: false, detail: `${subject}: ${timeoutText()}` }),
      context.timeoutMs,
    );
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      cleanup = start(finish);
    } catch (err) {
      finish({ ok: false, detail: `${subject}: ${describeError(err)}` });
    }
    // finish may have run inside start, before its cleanup was known.
    if (settled) cleanup?.();
  });
}
