/**
 * The `upkeep check` verdict at the top (OK / WARNING / CRITICAL) with each problem and its
 * remedy. Asked on load and again a moment after a service's state, PID or health changes
 * (`signature`), never on a timer of its own.
 */
import { useEffect, useState } from "preact/hooks";
import { getJson } from "./api";
import type { CheckReport } from "./wire";

const SETTLE_MS = 1000;

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
  const status = report.status;
  return (
    <section class={`check check-${status}`} aria-label="check verdict">
      <button class="check-head" onClick={() => setOpen(!open)} aria-expanded={open}>
        <strong class="verdict">{status}</strong> <span>{report.summary}</span>
        {report.problems.length > 0 && <span class="muted"> · {open ? "hide" : "show"} problems</span>}
      </button>
      {(open || (report.problems.length > 0 && report.problems.length <= 3)) &&
        report.problems.length > 0 && (
          <ul class="problems">
            {report.problems.map((p, i) => (
              <li key={i} class={p.severity}>
                <strong>{p.service ?? "daemon"}</strong>: expected {p.expected}, found {p.found}
                <div class="remedy">do: {p.remedy}</div>
              </li>
            ))}
          </ul>
        )}
    </section>
  );
}
