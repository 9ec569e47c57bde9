/**
 * The webhook channel: the message's JSON POSTed to the URL within `timeout`; a 2xx answer is
 * delivered. Headers: `Upkeep-Delivery` (the stable delivery id, for receivers to dedupe a
 * message sent again after a daemon died mid-delivery), `Upkeep-Event`, and with a secret
 * `Upkeep-Signature: sha256=<hex HMAC-SHA256 of the raw body>`. The URL is never shown whole
 * (a hook's path is often its key).
 */
import { createHmac } from "node:crypto";
import type { WebhookChannel } from "../config/notify-model.js";
import { readSecret, redactUrl } from "../config/validate-secret.js";
import { kindOf, type Delivery } from "./delivery.js";

/** The body is read only this far (for the error message). */
const ANSWER_KEPT = 300;

/** `sha256=<hex>`: what a receiver recomputes over the raw body with the shared secret. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export async function deliverWebhook(channel: WebhookChannel, delivery: Delivery): Promise<void> {
  const body = JSON.stringify(delivery.message.payload);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "upkeep-notify",
    "upkeep-delivery": delivery.id,
    "upkeep-event": kindOf(delivery),
  };
  if (channel.secret !== null) headers["upkeep-signature"] = signBody(readSecret(channel.secret), body);
  const timeout = AbortSignal.timeout(channel.timeoutMs);
  const signal = delivery.signal ? AbortSignal.any([timeout, delivery.signal]) : timeout;
  const where = redactUrl(channel.url);
  let answer: Response;
  try {
    answer = await fetch(channel.url, { method: "POST", headers, body, signal, redirect: "manual" });
  } catch (err) {
    if (timeout.aborted) throw new Error(`POST ${where} timed out after ${channel.timeoutMs} ms`);
    if (delivery.signal?.aborted) throw new Error(`POST ${where} stopped: the daemon is shutting down`);
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`POST ${where} failed: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
  }
  const text = await answer.text().then(
    (t) => t.slice(0, ANSWER_KEPT),
    (err: unknown) =>
      `(the answer's body could not be read: ${err instanceof Error ? err.message : String(err)})`,
  );
  if (answer.status < 200 || answer.status > 299)
    throw new Error(`POST ${where} answered ${answer.status}${text.trim() === "" ? "" : `: ${text.trim()}`}`);
}
