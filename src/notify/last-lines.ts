/**
 * The last lines a service wrote, for a message: read from its log files with the same reader
 * as `upkeep logs` (both streams merged in capture order), cut to a size a mail or a chat
 * message carries. A log that cannot be read is said in the message, never a failure of it.
 */
import { UpkeepError } from "../core/errors.js";
import { readLogTail } from "../logs/tail.js";
import { showControls } from "../core/show-controls.js";

export const MESSAGE_LINES = 20;
/** One line longer than this is cut (a JSON log line can be megabytes). */
const LINE_CHARS = 400;

export function readLastLines(
  logsDir: string,
  service: string,
  lines = MESSAGE_LINES,
): { lines: string[]; note: string | null } {
  try {
    const text = readLogTail(logsDir, service, { lines, timestamps: false }).toString("utf8");
    const out = text.split("\n");
    if (out[out.length - 1] === "") out.pop();
    // Control characters (a terminal's escape sequences) would garble a mail: shown escaped.
    const clean = out.map((line) =>
      showControls(line.length > LINE_CHARS ? `${line.slice(0, LINE_CHARS)}…` : line),
    );
    return { lines: clean, note: clean.length === 0 ? "none captured" : null };
  } catch (err) {
    if (err instanceof UpkeepError && err.code === "LOGS_NOT_FOUND")
      return { lines: [], note: "none captured yet" };
    return {
      lines: [],
      note: `the log could not be read: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}
