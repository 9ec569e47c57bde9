/**
 * An incident's output: the last lines of the run that ended, both streams in capture order,
 * upkeep's lifecycle markers between them, read with the reader `upkeep logs` uses. The run's
 * output ends at `cutoff`: the moment the next start attempt began (its lines are not this
 * run's), or the moment of reading when none has begun yet.
 */
import { readLogTailRecords } from "../logs/tail.js";
import type { LogRecord } from "../logs/render.js";
import {
  INCIDENT_OUTPUT_LINES,
  MAX_INCIDENT_LINE_BYTES,
  type IncidentLine,
} from "../store/incident-record.js";

/** Lines read back from the log: more than kept, since the next run's may follow the cutoff. */
const READ_LINES = INCIDENT_OUTPUT_LINES * 3;
/** Markers that open a start attempt: at the cutoff's millisecond they belong to the next run. */
const START_MARKER = /^(started PID |ran start command, PID )/;

export interface IncidentOutput {
  lines: IncidentLine[];
  note: string | null;
}

/** The last INCIDENT_OUTPUT_LINES lines captured up to `cutoff` (epoch ms). */
export function readIncidentOutput(logsDir: string, service: string, cutoff: number): IncidentOutput {
  let records: LogRecord[] | null;
  try {
    records = readLogTailRecords(logsDir, service, READ_LINES);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { lines: [], note: `the output could not be read: ${why}` };
  }
  if (records === null) return { lines: [], note: "the service has no captured output" };
  const lines = recordsToLines(records, cutoff).slice(-INCIDENT_OUTPUT_LINES);
  return { lines, note: lines.length === 0 ? "the run wrote no output" : null };
}

/** Records up to the cutoff, split into lines, each cut to MAX_INCIDENT_LINE_BYTES. */
export function recordsToLines(records: readonly LogRecord[], cutoff: number): IncidentLine[] {
  const lines: IncidentLine[] = [];
  for (const record of records) {
    if (record.time > cutoff) break;
    if (record.kind !== "lines") {
      if (record.time === cutoff && START_MARKER.test(record.text)) break;
      lines.push({ ts: record.time, stream: "upkeep", text: cutLine(Buffer.from(record.text)) });
      continue;
    }
    let start = 0;
    while (start < record.bytes.length) {
      const end = record.bytes.indexOf(10, start);
      const stop = end === -1 ? record.bytes.length : end;
      lines.push({
        ts: record.time,
        stream: record.stream,
        text: cutLine(record.bytes.subarray(start, stop)),
      });
      start = stop + 1;
    }
  }
  return lines;
}

/** A line as text, at most MAX_INCIDENT_LINE_BYTES of it (then "…"); never half a character. */
export function cutLine(bytes: Buffer): string {
  if (bytes.length <= MAX_INCIDENT_LINE_BYTES) return bytes.toString("utf8");
  let end = MAX_INCIDENT_LINE_BYTES;
  // Back up over UTF-8 continuation bytes (10xxxxxx) to a character's first byte.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return `${bytes.subarray(0, end).toString("utf8")}…`;
}
