/**
 * Notifications (SPEC §2 `notify`): every event the daemon publishes is looked at (a few
 * comparisons, on the restart path), and those worth telling are written up a moment later,
 * off that path: storm control (storm.ts), the message (message.ts) with the service's last
 * output lines, and the outbox (outbox-queue.ts) that delivers it through each channel. A
 * crash story that ends with the service running stably again (backoff.reset_after) is closed
 * with a `recovered` message.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { Config } from "../config/model.js";
import {
  channelsOf,
  effectiveNotify,
  type NotifyChannel,
  type NotifyConfig,
  type NotifyKind,
} from "../config/notify-model.js";
import type { EventRecord, OutboxRecord, OutboxStore } from "../store/store.js";
import { classifyEvent, isRunningAgain, leftRunning } from "./classify.js";
import type { Delivery } from "./delivery.js";
import { deliverChannel, describeChannel } from "./channels.js";
import { preloadMailer } from "./email.js";
import { holdSecretVariables, notifySecretVariables } from "../config/validate-secret.js";
import { readLastLines } from "./last-lines.js";
import { composeMessage, type ServiceFacts } from "./message.js";
import { OutboxQueue, type QueueEvent } from "./outbox-queue.js";
import { StormControl } from "./storm.js";

/**
 * How long after the event the message is written: the service's last output is still on its
 * way through the log pipe when its death is seen, and this keeps the work off the restart path.
 */
export const COMPOSE_DELAY_MS = 200;

export interface NotifierDeps {
  config(): Config;
  /** What the daemon knows of a service now (state, PID, restarts, last exit); null if unknown. */
  facts(service: string): (ServiceFacts & { stableMs: number }) | null;
  emit(event: QueueEvent): void;
  outbox: OutboxStore | null;
  hostId: string;
  host: string;
  now?: () => number;
}

export class Notifier {
  private readonly storm = new StormControl();
  private readonly flushTimers = new Map<string, NodeJS.Timeout>();
  private readonly stableTimers = new Map<string, NodeJS.Timeout>();
  private readonly composing = new Set<NodeJS.Timeout>();
  private closed = false;
  readonly queue: OutboxQueue;
  private readonly now: () => number;
  /** Effective settings per service, for the config object they were made from. */
  private cache: { config: Config; byService: Map<string, NotifyConfig | null> } | null = null;

  constructor(private readonly deps: NotifierDeps) {
    this.now = deps.now ?? Date.now;
    this.queue = new OutboxQueue({
      store: deps.outbox,
      hostId: deps.hostId,
      host: deps.host,
      channelOf: (record) => this.channelOf(record),
      deliver: (channel, delivery) => this.deliver(channel, delivery),
      emit: (event) => deps.emit(event),
      describe: describeChannel,
      now: this.now,
    });
  }

  /** Sends what an earlier daemon left in the outbox; returns how many it found. */
  start(): Promise<number> {
    return this.queue.load();
  }

  close(): void {
    this.closed = true;
    for (const timer of [...this.flushTimers.values(), ...this.stableTimers.values(), ...this.composing])
      clearTimeout(timer);
    this.queue.close();
  }

  /** The settings that apply to `service` (null: the global ones); null when nobody is told. */
  settingsFor(service: string | null): NotifyConfig | null {
    const config = this.deps.config();
    if (this.cache?.config !== config) {
      // A config (re)loaded: the variables its *_env keys name leave the daemon's environment.
      holdSecretVariables(notifySecretVariables(config));
      const byService = new Map(
        config.services.map((s) => [s.name, effectiveNotify(config.notify, s.notify)]),
      );
      this.cache = { config, byService };
    }
    if (service === null) return config.notify;
    const found = this.cache.byService.get(service);
    return found === undefined ? config.notify : found;
  }

  /**
   * Loads what a channel of the current config needs ahead of its first message (the mail
   * library): called once start-up is over and after each reload, never on the start-up path.
   */
  preloadChannels(): void {
    const global = this.settingsFor(null);
    const all = [global, ...(this.cache?.byService.values() ?? [])];
    if (all.some((settings) => settings?.email != null)) preloadMailer();
  }

  /**
   * The bus listener. It runs inside the runner's publish, before the runner goes on to its
   * effects (the spawn of a restart): so it only queues the event; the look at it happens after
   * the current turn of the event loop, off the restart path.
   */
  onEvent(event: EventRecord): void {
    if (this.closed || event.service === null) return;
    if (this.inbox.length === 0) setImmediate(() => this.drain());
    this.inbox.push(event);
  }

  private readonly inbox: EventRecord[] = [];

  private drain(): void {
    const events = this.inbox.splice(0);
    for (const event of events) {
      if (this.closed || event.service === null) return;
      const service = event.service;
      if (isRunningAgain(event)) this.watchStable(service);
      else if (leftRunning(event)) this.clearTimer(this.stableTimers, service);
      const kind = classifyEvent(event);
      if (kind !== null) this.offer(service, kind, event);
    }
  }

  private offer(service: string, kind: NotifyKind, event: EventRecord): void {
    const settings = this.settingsFor(service);
    if (settings === null || !settings.on.includes(kind)) return;
    const now = this.now();
    // As it was at the event (the exit that crashed it), also for a message sent later.
    this.lastEvents.set(`${service}\0${kind}`, { event, facts: this.deps.facts(service) });
    if (kind === "recovered") this.flushService(service, now);
    const offer = this.storm.offer(service, kind, now, settings.minIntervalMs);
    if (offer.send) {
      this.compose(
        service,
        kind,
        { folded: offer.folded, events: offer.folded + 1, since: null },
        offer.story,
        settings,
      );
      return;
    }
    const key = `${service}\0${kind}`;
    if (this.flushTimers.has(key)) return;
    const timer = setTimeout(
      () => {
        this.flushTimers.delete(key);
        this.flushOne(service, kind, this.now());
      },
      Math.max(0, offer.flushAt - now),
    );
    timer.unref();
    this.flushTimers.set(key, timer);
  }

  /** Sends the folded events of (service, kind) as one message now, if there are any. */
  private flushOne(service: string, kind: NotifyKind, now: number): void {
    const settings = this.settingsFor(service);
    const folded = this.storm.flush(service, kind, now);
    if (folded === null || settings === null) return;
    const count = { folded: folded.folded, events: folded.folded, since: folded.since };
    this.compose(service, kind, count, this.storm.storyOf(service), settings);
  }

  /** Before a `recovered`: every folded message of the service goes out first. */
  private flushService(service: string, now: number): void {
    for (const [key, timer] of this.flushTimers) {
      const [name, kind] = key.split("\0") as [string, NotifyKind];
      if (name !== service) continue;
      clearTimeout(timer);
      this.flushTimers.delete(key);
      this.flushOne(service, kind, now);
    }
  }

  /** The newest event offered per (service, kind), with the service's facts at that moment. */
  private readonly lastEvents = new Map<string, { event: EventRecord; facts: ServiceFacts | null }>();

  /** A service running again after a crash story: recovered once it has run for its reset_after. */
  private watchStable(service: string): void {
    const story = this.storm.storyOf(service);
    if (story === null || this.stableTimers.has(service)) return;
    const facts = this.deps.facts(service);
    if (facts === null) return;
    const timer = setTimeout(() => {
      this.stableTimers.delete(service);
      const now = this.deps.facts(service);
      if (now === null || now.state !== "running" || this.storm.storyOf(service) === null) return;
      const reason = `running again for ${Math.round(facts.stableMs / 1000)}s (PID ${now.pid ?? "?"})`;
      const event: EventRecord = {
        id: 0,
        hostId: this.deps.hostId,
        ts: this.now(),
        service,
        kind: "recovered",
        from: null,
        to: "running",
        reason,
        details: {},
      };
      this.offer(service, "recovered", event);
    }, facts.stableMs);
    timer.unref();
    this.stableTimers.set(service, timer);
  }

  private clearTimer(timers: Map<string, NodeJS.Timeout>, key: string): void {
    const timer = timers.get(key);
    if (timer === undefined) return;
    clearTimeout(timer);
    timers.delete(key);
  }

  /** Writes the message a moment later (COMPOSE_DELAY_MS) and queues it. */
  private compose(
    service: string,
    kind: NotifyKind,
    count: { folded: number; events: number; since: number | null },
    story: ReturnType<StormControl["storyOf"]>,
    settings: NotifyConfig,
  ): void {
    const last = this.lastEvents.get(`${service}\0${kind}`);
    if (last === undefined) return;
    const { event, facts } = last;
    const time = this.now();
    const timer = setTimeout(() => {
      this.composing.delete(timer);
      const config = this.deps.config();
      const lines = readLastLines(join(config.stateDir, "logs"), service);
      const message = composeMessage({
        id: newMessageId(time),
        host: this.deps.host,
        service,
        kind,
        time,
        event,
        facts,
        folded: count.folded,
        events: count.events,
        foldedSince: count.since,
        minIntervalMs: settings.minIntervalMs,
        story: story === null ? null : { ...story },
        lastLines: lines.lines,
        lastLinesNote: lines.note,
        configFile: config.file,
        // Filled once incidents are recorded for crashes: then the message names its id.
        incident: null,
      });
      this.queue.add(message, service, kind, channelsOf(settings)).catch((err: unknown) => {
        this.deps.emit({
          service,
          kind: "notify_failed",
          reason: `a ${kind} notification could not be queued: ${String(err)}`,
          details: {},
        });
      });
    }, COMPOSE_DELAY_MS);
    timer.unref();
    this.composing.add(timer);
  }

  private channelOf(record: OutboxRecord): NotifyChannel | null {
    return channelsOf(this.settingsFor(record.service)).find((c) => c.kind === record.channel) ?? null;
  }

  /** Hands one delivery to its channel; variables holding notify's secrets are kept from exec programs. */
  deliver(channel: NotifyChannel, delivery: Delivery): Promise<void> {
    return deliverChannel(channel, delivery, notifySecretVariables(this.deps.config()));
  }
}

/** Time-ordered and unique: `<ms base36>-<12 hex>`. */
export function newMessageId(time: number): string {
  return `${time.toString(36)}-${randomBytes(6).toString("hex")}`;
}
