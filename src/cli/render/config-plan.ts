/**
 * The plan of `reload-config`: what starts, stops, restarts (and the changed keys that cause
 * it), what takes a change live, and what is unchanged. Future tense for --dry-run, past tense
 * once applied.
 */
import type { ConfigPlanJson } from "../../api/wire.js";

const WORDS = {
  planned: {
    add: "would start",
    remove: "would stop",
    restart: "would restart",
    live: "would apply live",
    daemon: "would change daemon settings",
  },
  applied: {
    add: "started",
    remove: "stopped",
    restart: "restarted",
    live: "applied live",
    daemon: "changed daemon settings",
  },
} as const;

/** `web (command, env.PORT changed)`; `suffix` is empty for live changes: `db (backoff.initial)`. */
function withKeys(entries: readonly { name: string; keys: string[] }[], suffix: string): string {
  return entries
    .map((e) => (e.keys.length > 0 ? `${e.name} (${e.keys.join(", ")}${suffix})` : e.name))
    .join(", ");
}

/** The plan, one line per kind of change; `applied` picks the past tense. */
export function renderConfigPlan(plan: ConfigPlanJson, applied: boolean): string {
  const words = applied ? WORDS.applied : WORDS.planned;
  const lines: string[] = [];
  if (plan.add.length > 0) lines.push(`${words.add}: ${plan.add.join(", ")}`);
  if (plan.remove.length > 0) lines.push(`${words.remove}: ${plan.remove.join(", ")}`);
  if (plan.restart.length > 0) lines.push(`${words.restart}: ${withKeys(plan.restart, " changed")}`);
  if (plan.live.length > 0) lines.push(`${words.live}: ${withKeys(plan.live, "")}`);
  if (plan.daemon.keys.length > 0) lines.push(`${words.daemon}: ${plan.daemon.keys.join(", ")}`);
  if (lines.length === 0) lines.push(applied ? "nothing changed" : "nothing would change");
  if (plan.unchanged.length > 0) lines.push(`unchanged: ${plan.unchanged.join(", ")}`);
  const unverified = plan.unverified ?? []; // absent in an older daemon's answer
  if (unverified.length > 0)
    lines.push(
      `config unknown (started by an older upkeep; \`upkeep restart NAME\` applies it): ${unverified.join(", ")}`,
    );
  return lines.map((line) => `${line}\n`).join("");
}
