/**
 * `notify:`, at the top level and in a service (SPEC §2): which event kinds are told (`on`),
 * how often at most per service and kind (`min_interval`), and the channels (exec, webhook,
 * email; validate-notify-channels.ts). A service's section overrides the global one key by key;
 * `notify: false` there turns it off for that service, and a channel set to false drops it.
 */
import { isScalar, isSeq } from "yaml";
import {
  DEFAULT_MIN_INTERVAL_MS,
  DEFAULT_NOTIFY_ON,
  NOTIFY_KINDS,
  type NotifyConfig,
  type NotifyKind,
  type NotifyOverride,
} from "./notify-model.js";
import { describeNode, type Field, type ProblemSink } from "./problem-sink.js";
import { readCheckedSection, seqItem } from "./read-map.js";
import { isNullValue, wrongType } from "./read-scalars.js";
import { readDuration } from "./read-typed.js";
import { closestKey } from "./suggest.js";
import { readEmailChannel, readExecChannel, readWebhookChannel } from "./validate-notify-channels.js";

export const NOTIFY_KEYS = ["on", "min_interval", "exec", "webhook", "email"] as const;
const ON_EXPECTED = `a list of event kinds from: ${NOTIFY_KINDS.join(", ")}`;

/** `on: [crash, failed, ...]`; each unknown kind is a problem with the closest valid one. */
function readOn(sink: ProblemSink, field: Field): NotifyKind[] | undefined {
  if (!isSeq(field.value)) return wrongType(sink, field, ON_EXPECTED);
  const kinds: NotifyKind[] = [];
  let ok = true;
  field.value.items.forEach((raw, index) => {
    const item = seqItem(sink, field, raw, index);
    const text = isScalar(item.value) ? item.value.value : undefined;
    const kind = NOTIFY_KINDS.find((k) => k === text);
    if (kind !== undefined) {
      if (!kinds.includes(kind)) kinds.push(kind);
      return;
    }
    ok = false;
    const suggestion = typeof text === "string" ? closestKey(text, NOTIFY_KINDS) : undefined;
    const hint = suggestion === undefined ? "" : `; did you mean '${suggestion}'?`;
    sink.problem(
      "CONFIG_BAD_VALUE",
      item.where,
      item.path,
      `unknown event kind${hint}`,
      ON_EXPECTED,
      describeNode(item.value),
    );
  });
  return ok ? kinds : undefined;
}

/** A channel key: its reader, or null when set to false (off for this service). */
function readChannel<T>(
  sink: ProblemSink,
  field: Field,
  allowOff: boolean,
  read: (f: Field) => T | undefined,
): T | null | undefined {
  if (allowOff && isScalar(field.value) && field.value.value === false) return null;
  if (isNullValue(field)) {
    const expected = allowOff
      ? "the channel's settings, or false to turn it off for this service"
      : "the channel's settings";
    return wrongType(sink, field, expected);
  }
  return read(field);
}

interface Sections {
  override: NotifyOverride;
  ok: boolean;
}

function readKeys(sink: ProblemSink, field: Field, baseDir: string, allowOff: boolean): Sections | undefined {
  const read = readCheckedSection(sink, field, NOTIFY_KEYS);
  if (read === undefined) return undefined;
  const { section } = read;
  const before = sink.problems.length;
  const override: NotifyOverride = { enabled: true };
  const on = section.get("on");
  if (on !== undefined) {
    const kinds = readOn(sink, on);
    if (kinds !== undefined) override.on = kinds;
  }
  const interval = section.get("min_interval");
  if (interval !== undefined) {
    const ms = readDuration(sink, interval);
    if (ms !== undefined) override.minIntervalMs = ms;
  }
  const exec = section.get("exec");
  if (exec !== undefined) {
    const channel = readChannel(sink, exec, allowOff, (f) => readExecChannel(sink, f));
    if (channel !== undefined) override.exec = channel;
  }
  const webhook = section.get("webhook");
  if (webhook !== undefined) {
    const channel = readChannel(sink, webhook, allowOff, (f) => readWebhookChannel(sink, f, baseDir));
    if (channel !== undefined) override.webhook = channel;
  }
  const email = section.get("email");
  if (email !== undefined) {
    const channel = readChannel(sink, email, allowOff, (f) => readEmailChannel(sink, f, baseDir));
    if (channel !== undefined) override.email = channel;
  }
  return { override, ok: sink.problems.length === before };
}

/** The top-level `notify:`; null when absent or empty. A section without a channel is a problem. */
export function readNotify(
  sink: ProblemSink,
  field: Field | undefined,
  baseDir: string,
): NotifyConfig | null {
  if (field === undefined || isNullValue(field)) return null;
  const read = readKeys(sink, field, baseDir, false);
  if (read === undefined || !read.ok) return null;
  const { override } = read;
  const config: NotifyConfig = {
    on: override.on ?? [...DEFAULT_NOTIFY_ON],
    minIntervalMs: override.minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS,
    exec: override.exec ?? null,
    webhook: override.webhook ?? null,
    email: override.email ?? null,
  };
  if (config.exec === null && config.webhook === null && config.email === null) {
    sink.problem(
      "CONFIG_MISSING_KEY",
      field.where,
      field.path,
      "notify names no channel",
      "at least one of: exec, webhook, email",
    );
    return null;
  }
  return config;
}

/** A service's `notify:`: false (off), or keys that override the global section. */
export function readNotifyOverride(sink: ProblemSink, field: Field, baseDir: string): NotifyOverride | null {
  if (isScalar(field.value) && field.value.value === false) return { enabled: false };
  if (isScalar(field.value) && field.value.value === true) return null;
  const read = readKeys(sink, field, baseDir, true);
  return read?.override ?? null;
}
