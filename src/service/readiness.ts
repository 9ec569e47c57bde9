import type { ProcessRecord } from "../store/store.js";

/** The outcome of one readiness wait or probe, in words an operator understands. */
export interface ReadinessResult {
  ok: boolean;
  detail: string;
}

/**
 * A service's readiness, prepared right before its spawn so nothing it says is missed (a log
 * line, a READY=1 datagram), then awaited once the process is known. The supervisor builds it
 * (supervisor/readiness.ts); the runner only calls these three.
 */
export interface PreparedReadiness {
  /** Extra environment for the spawned command (NOTIFY_SOCKET). */
  env: Record<string, string>;
  /** Resolves when the service is ready or its ready.timeout has passed; never rejects. */
  wait(record: ProcessRecord, signal: AbortSignal): Promise<ReadinessResult>;
  /** Release what prepare took (a log watch); called once the start is over either way. */
  dispose(): void;
}

/** A running service's health probe as last seen, for `check` (kept by the daemon's health watch). */
export interface ProbeView {
  /** The probe in a few words (`http http://127.0.0.1:8080/healthz`). */
  what: string;
  /** Failures in a row; 0 after a pass. */
  failures: number;
  /** `health.failures`: from this many in a row the service is unhealthy. */
  threshold: number;
  /** The last verdict's detail. */
  last: string;
}
