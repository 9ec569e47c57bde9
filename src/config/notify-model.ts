/**
 * `notify:` (SPEC §2): who is told what, and how. Global at the top level; a service's own
 * `notify:` overrides it key by key (docs/notify.md). Secrets are never held here: only where
 * they come from (a file or a variable), read when a message is sent.
 */

/** The event kinds a notifier can be told about (`notify.on`). */
export const NOTIFY_KINDS = [
  "crash", // the service died and a restart is scheduled
  "failed", // the service is failed: start limit hit, or it cannot start
  "recovered", // it runs again after a crash series, or a lost expectation is back
  "unhealthy", // a health probe, a child or a port is lost
  "stale", // a record named a process that is gone or another program
  "limit", // a `limits:` excess lasted its window
  "reload_failed", // `upkeep reload` failed
  "log_dropped", // output could not be written (a full disk)
] as const;
export type NotifyKind = (typeof NOTIFY_KINDS)[number];

/** The channels, in the order they are tried and reported. */
export const NOTIFY_CHANNELS = ["exec", "webhook", "email"] as const;
export type NotifyChannelKind = (typeof NOTIFY_CHANNELS)[number];

/** Where a secret comes from: a file (its first line) or an environment variable of the daemon. */
export type SecretSource = { file: string } | { env: string };

export interface ExecChannel {
  kind: "exec";
  /** argv, never run by a shell; the event JSON on stdin, UPKEEP_* in its environment. */
  command: string[];
  timeoutMs: number;
  /** How many more tries after a failed one (with backoff). */
  retries: number;
}

export interface WebhookChannel {
  kind: "webhook";
  /** http: or https: URL; the message is POSTed as JSON. */
  url: string;
  timeoutMs: number;
  retries: number;
  /** When set: an `Upkeep-Signature: sha256=<hex HMAC of the body>` header. */
  secret: SecretSource | null;
}

/** `email.starttls`: required (refuse to send in the clear), opportunistic (the default), off. */
export const STARTTLS_MODES = ["required", "opportunistic", "off"] as const;
export type StarttlsMode = (typeof STARTTLS_MODES)[number];

export interface EmailChannel {
  kind: "email";
  /** SMTP server as smtp://host:port (STARTTLS as `starttls` says) or smtps://host:port (TLS at once). */
  smtp: string | null;
  /** Or the local MTA's sendmail program (`sendmail: true` is /usr/sbin/sendmail). */
  sendmail: string | null;
  from: string;
  to: string[];
  starttls: StarttlsMode;
  /** A PEM file of the CA (or the self-signed certificate) the SMTP server's certificate must chain to. */
  caFile: string | null;
  user: string | null;
  password: SecretSource | null;
  timeoutMs: number;
  retries: number;
}

export type NotifyChannel = ExecChannel | WebhookChannel | EmailChannel;

/** The top-level `notify:` section, or a service's with the global one applied. */
export interface NotifyConfig {
  on: NotifyKind[];
  /** Per service and event kind: at most one message per this interval; the rest are folded. */
  minIntervalMs: number;
  exec: ExecChannel | null;
  webhook: WebhookChannel | null;
  email: EmailChannel | null;
}

/**
 * A service's `notify:`: keys it sets replace the global ones (a channel set to false is off
 * for it); `notify: false` turns notifications off for the service. Absent keys are inherited.
 */
export interface NotifyOverride {
  enabled: boolean;
  on?: NotifyKind[];
  minIntervalMs?: number;
  exec?: ExecChannel | null;
  webhook?: WebhookChannel | null;
  email?: EmailChannel | null;
}

export const DEFAULT_NOTIFY_ON: readonly NotifyKind[] = NOTIFY_KINDS;
export const DEFAULT_MIN_INTERVAL_MS = 5 * 60_000;
export const DEFAULT_EXEC_TIMEOUT_MS = 10_000;
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;
export const DEFAULT_EMAIL_TIMEOUT_MS = 30_000;
export const DEFAULT_NOTIFY_RETRIES = 5;
export const DEFAULT_SENDMAIL = "/usr/sbin/sendmail";

/** The notify settings that apply to `service` (its override on top of the global section). */
export function effectiveNotify(
  global: NotifyConfig | null,
  override: NotifyOverride | null,
): NotifyConfig | null {
  if (override === null) return global;
  if (!override.enabled) return null;
  const base: NotifyConfig = global ?? {
    on: [...DEFAULT_NOTIFY_ON],
    minIntervalMs: DEFAULT_MIN_INTERVAL_MS,
    exec: null,
    webhook: null,
    email: null,
  };
  const merged: NotifyConfig = {
    on: override.on ?? base.on,
    minIntervalMs: override.minIntervalMs ?? base.minIntervalMs,
    exec: override.exec !== undefined ? override.exec : base.exec,
    webhook: override.webhook !== undefined ? override.webhook : base.webhook,
    email: override.email !== undefined ? override.email : base.email,
  };
  return channelsOf(merged).length === 0 ? null : merged;
}

/** The configured channels, in NOTIFY_CHANNELS order. */
export function channelsOf(config: NotifyConfig | null): NotifyChannel[] {
  if (config === null) return [];
  return [config.exec, config.webhook, config.email].filter((c): c is NotifyChannel => c !== null);
}
