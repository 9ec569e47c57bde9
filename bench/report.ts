/**
 * The bench's one output: a table of measure | result | target | status | peer figure, and the
 * small statistics the measures share. A missed target is reported (MISSED), never an error.
 */

export interface Row {
  measure: string;
  result: string;
  target: string;
  /** true: target met; false: MISSED; null: no target (informational). */
  met: boolean | null;
  peer: string;
  /** The measure's number in issue #2 (1..6): the table is sorted by it. */
  order: number;
}

/** The value at quantile q (0..1) by nearest rank, of a non-empty list. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new Error("percentile of an empty list");
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

export function median(values: readonly number[]): number {
  return percentile(values, 0.5);
}

/** A row whose measurement threw: the error stands in the result column. */
export function errorRow(measure: string, err: unknown, order = 99): Row {
  const message = err instanceof Error ? err.message : String(err);
  return { measure, result: `ERROR: ${message.split("\n")[0]}`, target: "", met: null, peer: "", order };
}

export function formatMs(ms: number): string {
  return ms < 10 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(1)} ms`;
}

export function formatMiB(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** The table as Markdown, so it can be pasted into docs/benchmarks.md as is. */
export function renderTable(rows: readonly Row[]): string {
  const header = ["measure", "result", "target", "status", "peer figure"];
  const sorted = [...rows].sort((a, b) => a.order - b.order); // stable: measures keep their order
  const cells = sorted.map((r) => [
    r.measure,
    r.result,
    r.target || "—",
    r.met === null ? "—" : r.met ? "ok" : "MISSED",
    r.peer || "—",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string => `| ${c.map((v, i) => v.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...cells.map(line)].join("\n");
}

/** Progress goes to stderr so that stdout holds only the result. */
export function progress(text: string): void {
  process.stderr.write(`bench: ${text}\n`);
}
