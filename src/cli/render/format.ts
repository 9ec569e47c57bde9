/**
 * Short human forms of the numbers in tables: durations (`45s`, `3h12m`), sizes (`12.3M`),
 * CPU (`4.5%`) and times (`2025-11-23 12:21:05`, local).
 */

/** A duration as its two largest units: `45s`, `12m5s`, `3h0m`, `2d4h`; under 1 s, `0s`. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  if (total < 60) return `${total}s`;
  if (total < 3600) return `${Math.floor(total / 60)}m${total % 60}s`;
  if (total < 86_400) return `${Math.floor(total / 3600)}h${Math.floor((total % 3600) / 60)}m`;
  return `${Math.floor(total / 86_400)}d${Math.floor((total % 86_400) / 3600)}h`;
}

/** A byte count with a binary unit and one decimal: `512B`, `4.0K`, `12.3M`, `1.5G`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${Math.round(bytes)}B`;
  const units = ["K", "M", "G", "T"];
  let value = bytes / 1024;
  let unit = 0;
  // Round first, so 1023.96K becomes 1.0M rather than "1024.0K".
  while (Number(value.toFixed(1)) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)}${units[unit] ?? "T"}`;
}

/** A CPU share with one decimal: `0.0%`, `97.5%`. */
export function formatPercent(percent: number): string {
  return `${percent.toFixed(1)}%`;
}

function two(n: number): string {
  return String(n).padStart(2, "0");
}

/** An ISO time as local `YYYY-MM-DD HH:MM:SS`; text that is not a time is shown as it is. */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return (
    `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ` +
    `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`
  );
}
