/**
 * The exec channel: runs the configured argv (never a shell) with the message's JSON on stdin
 * and UPKEEP_* variables in its environment; exit 0 is delivered. Past `timeout` its process
 * group is killed and the try failed.
 */
import type { ExecChannel } from "../config/notify-model.js";
import type { Delivery } from "./delivery.js";
import { runProgram } from "./run-program.js";

/** The variables a notifier script reads (docs/notify.md, "exec"). */
export function execEnvironment(delivery: Delivery, hidden: readonly string[]): NodeJS.ProcessEnv {
  const p = delivery.message.payload;
  // The variables that hold notify's own secrets (password_env, secret_env) stay with the daemon.
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !hidden.includes(name)));
  const text = (v: unknown): string =>
    typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : "";
  return {
    ...base,
    UPKEEP_DELIVERY_ID: delivery.id,
    UPKEEP_HOST: delivery.host,
    UPKEEP_SERVICE: text(p["service"]),
    UPKEEP_EVENT: text(p["kind"]),
    UPKEEP_SUBJECT: delivery.message.subject,
    UPKEEP_RESTARTS: text(p["restarts"]),
    UPKEEP_FOLDED: text(p["folded"]),
    UPKEEP_TIME: text(p["time"]),
  };
}

/** Runs the program; `hidden` names variables of the daemon it must not get (secrets). */
export function deliverExec(
  channel: ExecChannel,
  delivery: Delivery,
  hidden: readonly string[] = [],
): Promise<void> {
  return runProgram({
    argv: channel.command,
    input: `${JSON.stringify(delivery.message.payload)}\n`,
    env: execEnvironment(delivery, hidden),
    timeoutMs: channel.timeoutMs,
    ...(delivery.signal ? { signal: delivery.signal } : {}),
  });
}
