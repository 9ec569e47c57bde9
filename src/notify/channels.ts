/**
 * The dispatcher over the channel family (exec.ts, webhook.ts, email.ts never import each
 * other): which function delivers through a channel, how a channel is named in events and
 * reports (never with a secret).
 */
import type { NotifyChannel } from "../config/notify-model.js";
import { redactUrl } from "../config/validate-secret.js";
import type { Delivery } from "./delivery.js";
import { deliverEmail } from "./email.js";
import { deliverExec } from "./exec.js";
import { deliverWebhook } from "./webhook.js";

export function deliverChannel(
  channel: NotifyChannel,
  delivery: Delivery,
  hidden: readonly string[],
): Promise<void> {
  switch (channel.kind) {
    case "exec":
      return deliverExec(channel, delivery, hidden);
    case "webhook":
      return deliverWebhook(channel, delivery);
    case "email":
      return deliverEmail(channel, delivery);
  }
}

/** The channel's target as it may be shown: program, URL without secrets, server or sendmail and recipients. */
export function describeChannel(channel: NotifyChannel): string {
  switch (channel.kind) {
    case "exec":
      return channel.command[0] ?? "";
    case "webhook":
      return redactUrl(channel.url);
    case "email":
      return `${channel.smtp === null ? (channel.sendmail ?? "") : redactUrl(channel.smtp)} to ${channel.to.join(", ")}`;
  }
}
