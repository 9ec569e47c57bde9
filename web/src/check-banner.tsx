/**
 * The `upkeep check` verdict at the top (OK / WARNING / CRITICAL) with each problem and its
 * remedy. Asked on load and again a moment after a service's state, PID or health changes
 * (`signature`), never on a timer of its own.
 */
import { useEffect, useState } from "preact/hooks";
import { getJson } from "./api";
import type { CheckReport } from "./wire";

const SETTLE_MS = 1000;
/** Problems listed before "show more": the banner must not push the services off a phone's screen. */
const FOLDED_PROBLEMS = 3;

export function CheckBanner({ signature }: { signature: string }) {
  const [report, setReport] = useState<CheckReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const timer = setTimeout(
      () => {
        getJson<CheckReport>("/api/v1/check").then(
          (r) => {
            setReport(r);
            setError(null);
          },
          (err: unknown) => setError(String(err)),
        );
      },
      report === null ? 0 : SETTLE_MS,
    );
    return () => clearTimeout(timer);
  }, [signature]);
  if (report === null) return <section class="check">{error ?? "checking…"}</section>;
  const shown = open ? report.problems : report.problems.slice(0, FOLDED_PROBLEMS);
  const hidden = report.problems.length - shown.length;
  return (
    <section class={`check check-${report.status}`} aria-label="check verdict">
      <p class="check-head">
        <strong class="verdict">{report.status}</strong> <span>{report.summary}</span>
      </p>
      {shown.length > 0 && (
        <ul class="problems">
          {shown.map((p, i) => (
            <li key={i} class={p.severity}>
              <strong>{p.service ?? "daemon"}</strong>: expected {p.expected}, found {p.found}
              <div class="remedy">do: {p.remedy}</div>
            </li>
          ))}
        </ul>
      )}
      {(hidden > 0 || open) && report.problems.length > FOLDED_PROBLEMS && (
        <button class="more" onClick={() => setOpen(!open)} aria-expanded={open}>
          {open ? "show fewer" : `show ${hidden} more problem${hidden === 1 ? "" : "s"}`}
        </button>
      )}
    </section>
  );
}
