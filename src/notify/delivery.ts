/**
 * What every channel is handed: one message for one channel, with its stable delivery id (the
 * outbox record's), and a signal that aborts it when the daemon stops. Each channel exports
 * `deliverX(channel, delivery)`, resolving when the far end took the message and rejecting
 * with what went wrong, secrets left out.
 */
import type { NotifyMessage } from "./message.js";

export interface Delivery {
  /** Stable across tries and daemons: receivers dedupe on it. */
  id: string;
  message: NotifyMessage;
  host: string;
  signal?: AbortSignal;
}

/** The notify kind the message is about (crash, failed, ..., test), for headers. */
export function kindOf(delivery: Delivery): string {
  const kind = delivery.message.payload["kind"];
  return typeof kind === "string" ? kind : "";
}
