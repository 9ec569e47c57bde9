/**
 * Bookkeeping for output that could not be written (disk full, I/O error). Output is never
 * dropped silently (SPEC §6): while writes fail, the lost bytes are counted per stream and the
 * FIFOs keep being drained, so services never block on a full disk; once writing works again,
 * the index gets one "output lost" marker per stream saying how much and when. The daemon
 * hears of the loss through `onDropped` at once and then at most once a second, so a long
 * outage is one event per second rather than one per chunk; the reported bytes add up to the
 * total lost.
 */
import { errnoOf } from "../core/errors.js";
import { formatLossEntry, formatMarkerEntry } from "./index-format.js";
import type { LogStream } from "./log-files.js";

export interface DroppedInfo {
  bytes: number;
  stream: LogStream;
  error: string;
}

const REPORT_INTERVAL_MS = 1000;
/** Lifecycle markers kept while the index cannot be written; more are counted, not kept. */
const MAX_DEFERRED_MARKERS = 1000;

interface Episode {
  since: Record<LogStream, number | null>;
  until: Record<LogStream, number>;
  lost: Record<LogStream, number>;
  unreported: Record<LogStream, number>;
  lastReport: number;
  error: string;
  deferred: string[];
  deferredDropped: number;
}

/** One outage at a time: from the first failed write to the first successful one. */
export class OutputLoss {
  private episode: Episode | null = null;

  constructor(private readonly onDropped?: (info: DroppedInfo) => void) {}

  /** True while writes fail and the next write must first record the loss. */
  get active(): boolean {
    return this.episode !== null;
  }

  /** Counts `bytes` of `stream` that were not written because of `error`. */
  record(stream: LogStream, bytes: number, error: unknown, now: number): void {
    const episode = this.start(error, now);
    episode.since[stream] ??= now;
    episode.until[stream] = now;
    episode.lost[stream] += bytes;
    episode.unreported[stream] += bytes;
    if (now - episode.lastReport >= REPORT_INTERVAL_MS) {
      episode.lastReport = now;
      this.report(episode);
    }
  }

  /** Keeps a lifecycle marker (a formatted index line) that could not be written yet. */
  deferMarker(line: string, error: unknown, now: number): void {
    const episode = this.start(error, now);
    if (episode.deferred.length < MAX_DEFERRED_MARKERS) episode.deferred.push(line);
    else episode.deferredDropped++;
  }

  /** The index lines that close the outage: loss markers first, then the deferred markers. */
  closingLines(now: number): string {
    const episode = this.episode;
    if (!episode) return "";
    let lines = "";
    for (const stream of ["out", "err"] as const) {
      const since = episode.since[stream];
      if (since === null) continue;
      let text = `output lost: ${episode.lost[stream]} bytes of ${stream === "out" ? "stdout" : "stderr"} `;
      const until = episode.until[stream];
      text += since === until ? `at ${iso(since)}` : `between ${iso(since)} and ${iso(until)}`;
      lines += formatLossEntry(now, stream, `${text} (${episode.error})`);
    }
    lines += episode.deferred.join("");
    if (episode.deferredDropped > 0) {
      lines += formatMarkerEntry(now, `${episode.deferredDropped} lifecycle markers lost (${episode.error})`);
    }
    return lines;
  }

  /** Ends the outage once its closing lines are written; reports what was not reported yet. */
  end(): void {
    if (this.episode) this.report(this.episode);
    this.episode = null;
  }

  /** Reports bytes lost since the last report without ending the outage (daemon shutdown). */
  flushReports(): void {
    if (this.episode) this.report(this.episode);
  }

  private start(error: unknown, now: number): Episode {
    this.episode ??= {
      since: { out: null, err: null },
      until: { out: now, err: now },
      lost: { out: 0, err: 0 },
      unreported: { out: 0, err: 0 },
      lastReport: Number.NEGATIVE_INFINITY,
      error: describeWriteError(error),
      deferred: [],
      deferredDropped: 0,
    };
    return this.episode;
  }

  private report(episode: Episode): void {
    for (const stream of ["out", "err"] as const) {
      const bytes = episode.unreported[stream];
      if (bytes === 0) continue;
      episode.unreported[stream] = 0;
      this.onDropped?.({ bytes, stream, error: episode.error });
    }
  }
}

/** "ENOSPC, disk full" for a full disk, else the errno code and message. */
export function describeWriteError(error: unknown): string {
  const code = errnoOf(error);
  if (code === "ENOSPC" || code === "EDQUOT") return `${code}, disk full`;
  const message = error instanceof Error ? error.message : String(error);
  return code && !message.startsWith(code) ? `${code}: ${message}` : message;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
