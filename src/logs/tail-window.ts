/**
 * Walks a service's captured output backwards, newest first, across generations: each index
 * entry with the data it describes. Bytes that no index line describes (a daemon killed
 * between writing data and index, or an index write that failed on a full disk) are not
 * skipped: they are shown with the entry before them, or, at the start of a generation, with
 * the first entry's time.
 */
import {
  closeGeneration,
  indexEntriesBackward,
  openGeneration,
  readStream,
  type OpenGeneration,
} from "./generation.js";
import { LOG_STREAMS, type LogStream } from "./log-files.js";

export type WindowEntry =
  | { kind: "chunk"; stream: LogStream; time: number; data: Buffer }
  | { kind: "marker"; time: number; text: string }
  | { kind: "loss"; time: number; stream: LogStream; text: string };

/** Thrown when a rotation ran while reading: the caller starts again. */
export class RotatedWhileReading extends Error {
  constructor() {
    super("the log rotated while it was read");
  }
}

/** The generations opened by one backward walk; close() releases them. */
export class BackwardWalk {
  readonly opened: OpenGeneration[] = [];

  constructor(
    private readonly logsDir: string,
    private readonly service: string,
    private readonly wanted: (stream: LogStream) => boolean,
  ) {}

  /** Entries from the newest to the oldest kept; stops at the first missing generation after 0. */
  *entries(): Generator<WindowEntry> {
    for (let number = 0; ; number++) {
      const gen = openGeneration(this.logsDir, this.service, number);
      if (!gen) {
        if (number === 0) continue; // mid-rotation or never written: older ones may still exist
        return;
      }
      this.opened.push(gen);
      if (this.opened.some((other) => other !== gen && sameFiles(other, gen)))
        throw new RotatedWhileReading();
      yield* this.generationBackward(gen);
    }
  }

  close(): void {
    for (const gen of this.opened) closeGeneration(gen);
  }

  private *generationBackward(gen: OpenGeneration): Generator<WindowEntry> {
    // Where the data described so far begins, per stream: an entry covers up to there.
    const next: Record<LogStream, number> = { out: gen.sizes.out, err: gen.sizes.err };
    let earliest = gen.fallbackTime;
    const idx = gen.fds.idx;
    if (idx !== null) {
      for (const entry of indexEntriesBackward(idx, gen.sizes.idx)) {
        earliest = entry.time;
        if (entry.kind !== "chunk") {
          yield entry;
          continue;
        }
        const { stream } = entry;
        if (entry.offset >= next[stream]) continue; // described already, or cut off by truncation
        const end = next[stream];
        next[stream] = entry.offset;
        if (this.wanted(stream)) {
          yield { kind: "chunk", stream, time: entry.time, data: readStream(gen, stream, entry.offset, end) };
        }
      }
    }
    for (const stream of [...LOG_STREAMS].reverse()) {
      if (next[stream] > 0 && this.wanted(stream)) {
        yield { kind: "chunk", stream, time: earliest, data: readStream(gen, stream, 0, next[stream]) };
      }
    }
  }
}

function sameFiles(a: OpenGeneration, b: OpenGeneration): boolean {
  return (["idx", "out", "err"] as const).some(
    (kind) => a.inodes[kind] !== null && a.inodes[kind] === b.inodes[kind],
  );
}
