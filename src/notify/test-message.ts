/**
 * `upkeep notify test [NAME]`: one test message through every channel that applies (the global
 * ones, or those of service NAME with its overrides), each tried once, at once, with its
 * timeout and no retry, and each result reported. Not queued: the operator waits for the answer.
 */
import { join } from "node:path";
import type { ChannelResult } from "./channel-result.js";
import { channelsOf } from "../config/notify-model.js";
import { UpkeepError } from "../core/errors.js";
import { describeChannel } from "./channels.js";
import { readLastLines } from "./last-lines.js";
import { composeMessage } from "./message.js";
import { newMessageId, type Notifier, type NotifierDeps } from "./notifier.js";

export async function sendTestMessage(
  notifier: Notifier,
  deps: Pick<NotifierDeps, "config" | "facts" | "host">,
  service: string | null,
): Promise<ChannelResult[]> {
  const config = deps.config();
  if (service !== null && !config.services.some((s) => s.name === service)) {
    throw new UpkeepError("SERVICE_UNKNOWN", `no service named '${service}' in the config`, {
      hint: "check the spelling; `upkeep status` lists every service",
      details: { service },
    });
  }
  const settings = notifier.settingsFor(service);
  const channels = channelsOf(settings);
  if (channels.length === 0) {
    const whose = service === null ? "the config" : `service ${service}`;
    throw new UpkeepError(
      "NOTIFY_NOT_CONFIGURED",
      `${whose} has no notify channel (exec, webhook or email)`,
      {
        hint: `add a notify: section to ${config.file} (docs/notify.md), then: upkeep reload-config`,
        details: { file: config.file, ...(service === null ? {} : { service }) },
      },
    );
  }
  const time = Date.now();
  const lines =
    service === null ? { lines: [], note: null } : readLastLines(join(config.stateDir, "logs"), service);
  const message = composeMessage({
    id: newMessageId(time),
    host: deps.host,
    service,
    kind: "test",
    time,
    event: null,
    facts: service === null ? null : deps.facts(service),
    folded: 0,
    events: 0,
    foldedSince: null,
    minIntervalMs: settings?.minIntervalMs ?? 0,
    story: null,
    lastLines: lines.lines,
    lastLinesNote: lines.note,
    configFile: config.file,
    incident: null,
  });
  return Promise.all(
    channels.map(async (channel): Promise<ChannelResult> => {
      const id = `${message.id}-${channel.kind}`;
      const started = performance.now();
      const result = { channel: channel.kind, target: describeChannel(channel), id };
      try {
        await notifier.deliver(channel, { id, host: deps.host, message: { ...message, id } });
        return { ...result, ok: true, ms: Math.round(performance.now() - started), error: null };
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        return { ...result, ok: false, ms: Math.round(performance.now() - started), error };
      }
    }),
  );
}
