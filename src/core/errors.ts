/**
 * The error catalogue: every code upkeep can report, declared once with the CLI exit code
 * (SPEC §4: 1 action failed, 2 usage or config, 3 daemon not running) and the HTTP status the
 * API answers with. docs/errors.md has one row per code; errors.test.ts fails on drift.
 */
export const ERROR_CATALOGUE = {
  USAGE_INVALID: { exit: 2, http: 400, summary: "the command line is not valid" },
  CONFIG_NOT_FOUND: { exit: 2, http: 400, summary: "the config file does not exist or cannot be read" },
  CONFIG_SYNTAX: { exit: 2, http: 400, summary: "the config file is not valid YAML" },
  CONFIG_UNKNOWN_KEY: { exit: 2, http: 400, summary: "a key that upkeep does not know" },
  CONFIG_WRONG_TYPE: { exit: 2, http: 400, summary: "a value of the wrong type" },
  CONFIG_BAD_VALUE: { exit: 2, http: 400, summary: "a value outside the valid choices or range" },
  CONFIG_MISSING_KEY: { exit: 2, http: 400, summary: "a required key is missing" },
  CONFIG_INVALID: { exit: 2, http: 400, summary: "the config has one or more problems (listed)" },
  DAEMON_NOT_RUNNING: { exit: 3, http: 503, summary: "no daemon answers on the state dir's socket" },
  DAEMON_ALREADY_RUNNING: { exit: 1, http: 409, summary: "another daemon holds the state dir's lock" },
  DAEMON_START_FAILED: { exit: 1, http: 500, summary: "the daemon could not start" },
  DAEMON_SHUTTING_DOWN: { exit: 1, http: 503, summary: "the daemon is shutting down and takes no actions" },
  DAEMON_CANNOT_LEAVE_RUNNING: {
    exit: 1,
    http: 409,
    summary: "services cannot outlive this daemon (it is PID 1 of its PID namespace)",
  },
  SERVICE_UNKNOWN: { exit: 1, http: 404, summary: "no service of that name in the config" },
  SERVICE_ACTION_FAILED: {
    exit: 1,
    http: 409,
    summary: "the requested action did not reach the wanted state",
  },
  SERVICE_SPAWN_FAILED: { exit: 1, http: 500, summary: "the service's command could not be started" },
  SERVICE_USER_UNKNOWN: { exit: 1, http: 400, summary: "the service's user or group does not exist" },
  IDENTITY_UNPROVEN: { exit: 1, http: 409, summary: "a live process cannot be tied to the service" },
  STORE_CORRUPT: { exit: 1, http: 500, summary: "the state store is corrupt or unreadable" },
  STORE_LOCKED: { exit: 1, http: 503, summary: "the state store is locked by another process" },
  STORE_UNAVAILABLE: { exit: 1, http: 500, summary: "no SQLite binding loads for this Node version and CPU" },
  STATE_DIR_UNUSABLE: {
    exit: 1,
    http: 500,
    summary: "the state dir cannot be created or written, or another user could tamper with it",
  },
  METRICS_OUTPUT_UNWRITABLE: {
    exit: 1,
    http: 500,
    summary: "`upkeep metrics --output` cannot write its file",
  },
  LOGS_NOT_FOUND: { exit: 1, http: 404, summary: "the service has no captured output yet" },
  NOTIFY_NOT_CONFIGURED: {
    exit: 1,
    http: 409,
    summary: "no notify channel applies (exec, webhook or email)",
  },
  INCIDENT_NOT_FOUND: { exit: 1, http: 404, summary: "no incident with that id is kept" },
  API_NOT_FOUND: { exit: 1, http: 404, summary: "no such API route" },
  API_BAD_REQUEST: { exit: 2, http: 400, summary: "a request field is missing or not valid" },
  API_UNAUTHORIZED: { exit: 1, http: 401, summary: "the request has no valid bearer token" },
  SYSTEMD_UNIT_EXISTS: {
    exit: 1,
    http: 409,
    summary: "a different systemd unit file is already installed (systemd-unit --install)",
  },
  SYSTEMD_UNIT_NOT_WRITTEN: { exit: 1, http: 500, summary: "the systemd unit file could not be written" },
  API_FORBIDDEN: {
    exit: 1,
    http: 403,
    summary: "the request is refused: a foreign Host or Origin, or no CSRF header with a session",
  },
  API_METHOD_NOT_ALLOWED: {
    exit: 2,
    http: 405,
    summary: "the route does not take that method (Allow lists those it takes)",
  },
  HTTP_UNAVAILABLE: { exit: 1, http: 503, summary: "the HTTP listener is off or could not start" },
  INTERNAL: { exit: 1, http: 500, summary: "an unexpected internal error (a bug: please report it)" },
} as const satisfies Record<string, { exit: 1 | 2 | 3; http: number; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** Structured facts behind an error: what was expected, what was found, where. */
export interface ErrorDetails {
  file?: string;
  line?: number;
  column?: number;
  keyPath?: string;
  expected?: string;
  got?: string;
  pid?: number;
  errno?: string;
  service?: string;
  [extra: string]: unknown;
}

/** The one error type upkeep throws: a code, a message, the fix, and the facts. */
export class UpkeepError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: ErrorDetails;

  constructor(
    code: ErrorCode,
    message: string,
    options: { hint?: string; details?: ErrorDetails; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "UpkeepError";
    this.code = code;
    this.hint = options.hint;
    this.details = options.details ?? {};
  }

  get exitCode(): 1 | 2 | 3 {
    return ERROR_CATALOGUE[this.code].exit;
  }

  get httpStatus(): number {
    return ERROR_CATALOGUE[this.code].http;
  }

  /** The wire form used by the API: `{code, message, hint, details}`. */
  toJSON(): { code: ErrorCode; message: string; hint?: string; details: ErrorDetails } {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      details: this.details,
    };
  }
}

/** True when `err` is a Node system error with the given errno code (ENOENT, ESRCH, ...). */
export function isErrno(err: unknown, code: string): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === code;
}

/** The errno code of a system error, or undefined. */
export function errnoOf(err: unknown): string | undefined {
  const code = typeof err === "object" && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === "string" ? code : undefined;
}
