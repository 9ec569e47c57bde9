/**
 * Aligned text tables. Widths are measured on the plain text and colour is applied after
 * padding, so escape codes never shift a column. The last column is not padded (no trailing
 * blanks).
 */
import type { Paint } from "./colour.js";

/** A cell: plain text, or text with a paint applied when colour is on. */
export type Cell = string | { text: string; paint?: Paint };

function textOf(cell: Cell): string {
  return typeof cell === "string" ? cell : cell.text;
}

/** The width of each column over the header and every row. */
export function columnWidths(header: readonly string[], rows: readonly (readonly Cell[])[]): number[] {
  return header.map((title, i) => Math.max(title.length, ...rows.map((row) => textOf(row[i] ?? "").length)));
}

/** One row, each cell padded to its column's width, separated by two spaces. */
export function renderRow(cells: readonly Cell[], widths: readonly number[], colour: boolean): string {
  const last = cells.length - 1;
  return cells
    .map((cell, i) => {
      const text = textOf(cell);
      const padding = i === last ? "" : " ".repeat(Math.max(0, (widths[i] ?? 0) - text.length));
      const paint = typeof cell === "string" ? undefined : cell.paint;
      return (colour && paint ? paint(text) : text) + padding;
    })
    .join("  ");
}

/** A header line and the rows, aligned, each line ending in a newline. */
export function renderTable(
  header: readonly string[],
  rows: readonly (readonly Cell[])[],
  colour: boolean,
): string {
  const widths = columnWidths(header, rows);
  let out = `${renderRow(header, widths, false)}\n`;
  for (const row of rows) out += `${renderRow(row, widths, colour)}\n`;
  return out;
}
