/**
 * The email channel, with nodemailer: over SMTP (plain, STARTTLS as `starttls` says, or TLS at
 * once for smtps://; AUTH with user and password) or through the host's own sendmail program
 * (`sendmail -t -oi`, the classic "mail root" path, run like an exec notifier: own process
 * group, killed at the deadline). The Message-ID derives from the delivery id, so a message
 * sent again after a daemon died mid-delivery can be recognised as the same one.
 */
import type Mail from "nodemailer/lib/mailer/index.js";
import type { EmailChannel } from "../config/notify-model.js";
import { CA_FILE_MAX_BYTES, readSecret, redactUrl } from "../config/validate-secret.js";
import { readSmallFile } from "../core/read-small-file.js";
import { kindOf, type Delivery } from "./delivery.js";
import { runProgram } from "./run-program.js";

type Nodemailer = (typeof import("nodemailer"))["default"];

let mailer: Promise<Nodemailer> | null = null;

/**
 * nodemailer, loaded at the first mail or right after start-up when a channel sends mail
 * (preloadMailer): with the TLS and DNS modules it brings, it is most of what the daemon would
 * otherwise compile before its first service starts (40-60 ms of a cold start).
 */
function loadMailer(): Promise<Nodemailer> {
  if (mailer !== null) return mailer;
  const loading = import("nodemailer").then((m) => m.default);
  // A failed load is tried again at the next mail (its error is that mail's).
  loading.catch(() => (mailer = null));
  return (mailer = loading);
}

/** Loads nodemailer now, off the start-up path, so that no later upgrade of the files can miss it. */
export function preloadMailer(): void {
  loadMailer().catch(() => undefined);
}

/** The mail as nodemailer builds it: headers for dedupe and for auto-responders (RFC 3834). */
function mailOf(channel: EmailChannel, delivery: Delivery): Mail.Options {
  return {
    from: channel.from,
    to: channel.to,
    subject: delivery.message.subject,
    text: delivery.message.text,
    messageId: `<${delivery.id}@upkeep.${delivery.host.replace(/[^A-Za-z0-9.-]/g, "-")}>`,
    headers: {
      "Auto-Submitted": "auto-generated",
      "X-Upkeep-Delivery": delivery.id,
      "X-Upkeep-Event": kindOf(delivery),
    },
  };
}

/** What went wrong, with the server's own words when it said any (never the password). */
function describeSmtpError(err: unknown, where: string): Error {
  const e = err as { message?: string; response?: string; code?: string };
  const said = e.response ? `: the server said "${e.response}"` : "";
  return new Error(`mail via ${where} failed (${e.code ?? "error"}): ${e.message ?? String(err)}${said}`);
}

/**
 * `ca_file`, read at each send as config check read it: never blocking (a FIFO put there after
 * the check would stop the daemon's only thread), a regular file only, bounded.
 */
function readCaFile(path: string): string {
  const read = readSmallFile(path, CA_FILE_MAX_BYTES);
  if (read.kind === "text") return read.text;
  throw new Error(`cannot read ca_file ${path}: ${read.kind === "absent" ? "no such file" : read.reason}`);
}

async function deliverSmtp(channel: EmailChannel, smtp: string, delivery: Delivery): Promise<void> {
  const url = new URL(smtp);
  const secure = url.protocol === "smtps:";
  const where = redactUrl(smtp);
  const nodemailer = await loadMailer();
  const transport = nodemailer.createTransport({
    host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: url.port === "" ? (secure ? 465 : 25) : Number(url.port),
    secure,
    requireTLS: channel.starttls === "required",
    ignoreTLS: channel.starttls === "off",
    opportunisticTLS: channel.starttls === "opportunistic",
    ...(channel.caFile === null ? {} : { tls: { ca: readCaFile(channel.caFile) } }),
    ...(channel.user === null || channel.password === null
      ? {}
      : { auth: { user: channel.user, pass: readSecret(channel.password) } }),
    connectionTimeout: channel.timeoutMs,
    greetingTimeout: channel.timeoutMs,
    socketTimeout: channel.timeoutMs,
    name: delivery.host,
    logger: false,
    debug: false,
  });
  let timer: NodeJS.Timeout | undefined;
  let onAbort = (): void => undefined;
  const stop = new Promise<never>((_, reject) => {
    const give = (why: string): void => {
      transport.close();
      reject(new Error(`mail via ${where} ${why}`));
    };
    timer = setTimeout(() => give(`timed out after ${channel.timeoutMs} ms`), channel.timeoutMs);
    onAbort = () => give("stopped: the daemon is shutting down");
    delivery.signal?.addEventListener("abort", onAbort, { once: true });
  });
  // The race's loser may still settle later: handled here so it is no unhandled rejection.
  stop.catch(() => undefined);
  const sent = transport.sendMail(mailOf(channel, delivery)).catch((err: unknown) => {
    throw describeSmtpError(err, where);
  });
  sent.catch(() => undefined);
  try {
    await Promise.race([sent, stop]);
  } finally {
    clearTimeout(timer);
    delivery.signal?.removeEventListener("abort", onAbort);
    transport.close();
  }
}

async function deliverSendmail(channel: EmailChannel, sendmail: string, delivery: Delivery): Promise<void> {
  const nodemailer = await loadMailer();
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  const built = await composer.sendMail(mailOf(channel, delivery));
  if (!Buffer.isBuffer(built.message)) throw new Error("the mail could not be composed as one buffer");
  // -t: recipients from the headers; -oi: a line with a single dot does not end the message.
  await runProgram({
    argv: [sendmail, "-t", "-oi", "-f", channel.from],
    input: built.message,
    env: process.env,
    timeoutMs: channel.timeoutMs,
    ...(delivery.signal ? { signal: delivery.signal } : {}),
  });
}

export function deliverEmail(channel: EmailChannel, delivery: Delivery): Promise<void> {
  if (channel.smtp !== null) return deliverSmtp(channel, channel.smtp, delivery);
  if (channel.sendmail !== null) return deliverSendmail(channel, channel.sendmail, delivery);
  return Promise.reject(new Error("email names neither smtp nor sendmail"));
}
