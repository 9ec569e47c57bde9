/**
 * The check's result: JSON (`check --json`, GET /api/v1/check) and the monitoring-plugin text
 * (SPEC §4: exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN; first line
 * `UPKEEP <STATUS> - <summary>`, then performance data after `|`).
 */
import type { ServiceState } from "../service/states.js";

export const CHECK_STATUSES = ["OK", "WARNING", "CRITICAL", "UNKNOWN"] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

/** One thing wrong: which service, what was expected, what was found, and what to do. */
export interface CheckProblem {
  service: string | null;
  severity: "WARNING" | "CRITICAL";
  expected: string;
  found: string;
  remedy: string;
}

export interface ServiceCheck {
  name: string;
  state: ServiceState | null;
  pid: number | null;
  ok: boolean;
  ports: { port: number; child: string | null; holders: number[] }[];
  children: { name: string; expected: number; pids: number[] }[];
}

export interface CheckReport {
  status: CheckStatus;
  summary: string;
  checked_at: string;
  daemon: { running: boolean; pid: number | null };
  problems: CheckProblem[];
  services: ServiceCheck[];
}

/** The plugin exit code of a status. */
export function exitCodeOf(status: CheckStatus): number {
  return CHECK_STATUSES.indexOf(status);
}

function describeProblem(p: CheckProblem): string {
  return `${p.service ?? "daemon"}: expected ${p.expected}, found ${p.found}`;
}

/** The report with its overall status and one-line summary. */
export function summarize(
  services: ServiceCheck[],
  problems: CheckProblem[],
  daemon: { pid: number } | null,
  now: number,
): CheckReport {
  const status: CheckStatus = problems.some((p) => p.severity === "CRITICAL")
    ? "CRITICAL"
    : problems.length > 0
      ? "WARNING"
      : "OK";
  const running = services.filter((s) => s.pid !== null).length;
  const summary =
    problems.length === 0
      ? `${services.length} services checked, ${running} running, all as declared`
      : `${problems.length} problem${problems.length > 1 ? "s" : ""}: ${describeProblem(problems[0]!)}`;
  return {
    status,
    summary,
    checked_at: new Date(now).toISOString(),
    daemon: { running: daemon !== null, pid: daemon?.pid ?? null },
    problems,
    services,
  };
}

/** The monitoring-plugin text: the status line, then a line per problem with its remedy. */
export function formatPluginOutput(report: CheckReport): string {
  const critical = report.problems.filter((p) => p.severity === "CRITICAL").length;
  const perf = `services=${report.services.length} running=${report.services.filter((s) => s.pid !== null).length} critical=${critical} warning=${report.problems.length - critical}`;
  const lines = [`UPKEEP ${report.status} - ${report.summary} | ${perf}`];
  for (const p of report.problems) lines.push(`${p.severity} ${describeProblem(p)}; do: ${p.remedy}`);
  return `${lines.join("\n")}\n`;
}
