/**
 * The delivery queue. Each message is written to the store's outbox (one record per channel)
 * before its first try and deleted right after the far end took it, so a daemon that dies
 * leaves exactly the undelivered ones to the next daemon, which sends them on start. A try
 * in flight when the daemon died was maybe taken: it is sent again under the same id
 * (docs/notify.md, "Delivery guarantee"), the one window where a message can arrive twice.
 *
 * Nothing here is awaited by supervision: tries run asynchronously, one at a time per channel
 * (a hanging webhook holds up only the webhook), each bounded by the channel's timeout. A
 * failed try is a `notify_failed` event and is retried with backoff; past `retries` it is
 * given up (another event). At most `maxPending` records wait; beyond that the oldest go, and
 * a `notify_dropped` event counts them.
 */
import type { NotifyChannel } from "../config/notify-model.js";
import type { OutboxRecord, OutboxStore } from "../store/store.js";
import type { Delivery } from "./delivery.js";
import type { NotifyMessage } from "./message.js";

export const MAX_PENDING = 1000;
const FIRST_RETRY_MS = 2000;
const MAX_RETRY_MS = 5 * 60_000;

export interface QueueEvent {
  service: string | null;
  kind: "notify_failed" | "notify_dropped";
  reason: string;
  details: Record<string, unknown>;
}

export interface QueueDeps {
  /** The store's outbox; null keeps records in memory only (lost with the daemon). */
  store: OutboxStore | null;
  hostId: string;
  host: string;
  /** The channel a record goes through under the config now; null: no longer configured. */
  channelOf(record: OutboxRecord): NotifyChannel | null;
  deliver(channel: NotifyChannel, delivery: Delivery): Promise<void>;
  /** Records an event of the queue's own (never awaited by it). */
  emit(event: QueueEvent): void;
  /** How the record's target is named in events (a URL without its secrets, the program). */
  describe(channel: NotifyChannel): string;
  now(): number;
  maxPending?: number;
}

/** The wait before try `attempt + 1` (attempt >= 1): 2 s, 4 s, 8 s … at most 5 min. */
export function retryDelay(attempt: number): number {
  return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempt - 1));
}

export class OutboxQueue {
  private pending: OutboxRecord[] = [];
  private readonly inFlight = new Set<string>();
  private readonly busyChannels = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private readonly abort = new AbortController();
  private closed = false;
  private dropped = 0;

  constructor(private readonly deps: QueueDeps) {}

  /** Takes over what an earlier daemon left in the store, and starts sending it. */
  async load(): Promise<number> {
    if (this.deps.store === null) return 0;
    const left = await this.deps.store.listOutbox();
    const known = new Set(this.pending.map((r) => r.id));
    this.pending.unshift(
      ...left
        .filter((r) => !known.has(r.id))
        .map((r) => ({ ...r, nextAt: Math.min(r.nextAt, this.deps.now()) })),
    );
    this.bound();
    this.pump();
    return left.length;
  }

  /** Queues a message for each channel: stored first, then tried. */
  async add(
    message: NotifyMessage,
    service: string | null,
    kind: string,
    channels: NotifyChannel[],
  ): Promise<void> {
    if (this.closed || channels.length === 0) return;
    const now = this.deps.now();
    const records: OutboxRecord[] = channels.map((channel) => ({
      id: `${message.id}-${channel.kind}`,
      hostId: this.deps.hostId,
      channel: channel.kind,
      service,
      kind,
      createdAt: now,
      attempts: 0,
      nextAt: now,
      lastError: null,
      // The text is in the payload already (payload.text): stored once.
      message: { subject: message.subject, payload: message.payload },
    }));
    this.pending.push(...records);
    this.bound();
    await this.persist(records);
    this.pump();
  }

  /** Records waiting (not yet delivered, given up or dropped). */
  list(): OutboxRecord[] {
    return [...this.pending];
  }

  /** No more tries; tries in flight are aborted. What waits stays in the store for the next daemon. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.abort.abort();
  }

  private async persist(records: OutboxRecord[]): Promise<void> {
    if (this.deps.store === null) return;
    try {
      await this.deps.store.putOutbox(records);
    } catch (err) {
      // Still sent from memory; only a daemon death before delivery would lose it now.
      const first = records[0];
      this.deps.emit({
        service: first?.service ?? null,
        kind: "notify_failed",
        reason: `a notification could not be written to the store's outbox (${errorText(err)}); it is sent from memory and lost if the daemon dies first`,
        details: { ids: records.map((r) => r.id) },
      });
    }
  }

  private bound(): void {
    const max = this.deps.maxPending ?? MAX_PENDING;
    let dropped = 0;
    while (this.pending.length > max) {
      const index = this.pending.findIndex((r) => !this.inFlight.has(r.id));
      if (index === -1) break;
      const [gone] = this.pending.splice(index, 1);
      if (gone) void this.remove(gone.id);
      dropped++;
    }
    if (dropped === 0) return;
    // One event per burst of drops, not one per record.
    if (this.dropped === 0) setImmediate(() => this.tellDropped());
    this.dropped += dropped;
  }

  private tellDropped(): void {
    const count = this.dropped;
    this.dropped = 0;
    const max = this.deps.maxPending ?? MAX_PENDING;
    this.deps.emit({
      service: null,
      kind: "notify_dropped",
      reason: `${count} notifications were dropped: more than ${max} waited (the oldest went); a notifier is down or too slow`,
      details: { dropped: count, max_pending: max },
    });
  }

  private async remove(id: string): Promise<void> {
    if (this.deps.store === null) return;
    try {
      await this.deps.store.deleteOutbox(id);
    } catch (err) {
      // Left in the store: the next daemon would send it again. Said, since that is a duplicate.
      this.deps.emit({
        service: null,
        kind: "notify_failed",
        reason: `notification ${id} could not be removed from the store's outbox (${errorText(err)}); the next daemon may send it again`,
        details: { id },
      });
    }
  }

  /** Starts a try for each idle channel whose next record is due; arms the timer for the rest. */
  private pump(): void {
    if (this.closed) return;
    const now = this.deps.now();
    for (const record of this.pending) {
      if (this.busyChannels.has(record.channel) || this.inFlight.has(record.id) || record.nextAt > now)
        continue;
      void this.attempt(record);
    }
    const next = this.pending
      .filter((r) => !this.inFlight.has(r.id) && !this.busyChannels.has(r.channel))
      .reduce((min, r) => Math.min(min, r.nextAt), Infinity);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (Number.isFinite(next)) {
      this.timer = setTimeout(() => this.pump(), Math.max(0, next - now));
      this.timer.unref();
    }
  }

  private async attempt(record: OutboxRecord): Promise<void> {
    const channel = this.deps.channelOf(record);
    if (channel === null) {
      this.forget(record);
      await this.remove(record.id);
      this.deps.emit({
        service: record.service,
        kind: "notify_failed",
        reason: `notification ${record.id} (${record.kind}) dropped: its channel ${record.channel} is no longer configured`,
        details: { id: record.id, channel: record.channel },
      });
      return;
    }
    this.inFlight.add(record.id);
    this.busyChannels.add(record.channel);
    const message = record.message as { subject: string; payload: Record<string, unknown> };
    const text = typeof message.payload["text"] === "string" ? message.payload["text"] : "";
    const delivery: Delivery = {
      id: record.id,
      host: this.deps.host,
      message: { id: record.id, subject: message.subject, text, payload: message.payload },
      signal: this.abort.signal,
    };
    let error: unknown = null;
    try {
      await this.deps.deliver(channel, delivery);
    } catch (err) {
      error = err;
    }
    this.inFlight.delete(record.id);
    this.busyChannels.delete(record.channel);
    if (this.closed) return; // aborted by shutdown: it stays in the store, for the next daemon
    if (error === null) {
      this.forget(record);
      await this.remove(record.id);
    } else await this.failed(record, channel, error);
    this.pump();
  }

  private forget(record: OutboxRecord): void {
    this.pending = this.pending.filter((r) => r.id !== record.id);
  }

  private async failed(record: OutboxRecord, channel: NotifyChannel, error: unknown): Promise<void> {
    const attempts = record.attempts + 1;
    const what = `notification ${record.kind} via ${channel.kind} ${this.deps.describe(channel)}`;
    const details = { id: record.id, channel: channel.kind, attempts, error: errorText(error) };
    if (attempts > channel.retries) {
      this.forget(record);
      await this.remove(record.id);
      const reason = `${what} given up after ${attempts} tries: ${errorText(error)}`;
      this.deps.emit({
        service: record.service,
        kind: "notify_failed",
        reason,
        details: { ...details, given_up: true },
      });
      return;
    }
    const wait = retryDelay(attempts);
    const updated = { ...record, attempts, nextAt: this.deps.now() + wait, lastError: errorText(error) };
    this.pending = this.pending.map((r) => (r.id === record.id ? updated : r));
    await this.persist([updated]);
    const reason = `${what} failed (try ${attempts} of ${channel.retries + 1}): ${errorText(error)}; next try in ${Math.round(wait / 1000)}s`;
    this.deps.emit({
      service: record.service,
      kind: "notify_failed",
      reason,
      details: { ...details, next_try_ms: wait },
    });
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
