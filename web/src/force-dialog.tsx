/**
 * `start --force` behind a confirmation that says what the force overrides: the PID and
 * command that the pidfile or stale record names, as the daemon's refusal (the reason) names
 * them. Without such a refusal there is nothing to override, and the dialog says that too.
 */
import { useEffect, useRef } from "preact/hooks";
import type { ServiceStatusJson } from "./wire";

/** The PID, command and source a refusal names (service/main-process.ts describeUntied). */
export function forceTarget(
  reason: string,
): { pid: string; command: string | null; source: string | null } | null {
  const pid = /\bnames PID (\d+)/.exec(reason)?.[1];
  if (pid === undefined) return null;
  const quoted = /command ("(?:[^"\\]|\\.)*")/.exec(reason)?.[1];
  let command: string | null = null;
  try {
    command = quoted === undefined ? null : (JSON.parse(quoted) as string);
  } catch {
    command = null; // not a JSON string after all: the reason below still says it
  }
  const source = /^(pidfile \S+|match [^,]+?|record [^,]+?) names PID/.exec(reason)?.[1] ?? null;
  return { pid, command, source };
}

interface Props {
  service: ServiceStatusJson;
  onCancel: () => void;
  onConfirm: () => void;
}

export function ForceDialog({ service, onCancel, onConfirm }: Props) {
  const target = forceTarget(service.reason);
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    cancel.current?.focus();
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === "Escape") onCancel();
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, []);
  return (
    <div class="overlay">
      <div class="dialog" role="alertdialog" aria-modal="true" aria-labelledby="force-title">
        <h2 id="force-title">Force start {service.name}?</h2>
        {target ? (
          <>
            <p>
              upkeep cannot prove that this process is {service.name}'s. A forced start takes it over as{" "}
              {service.name}'s main process instead of refusing:
            </p>
            <p class="target">
              PID <strong class="force-pid">{target.pid}</strong>
              {target.command !== null && (
                <>
                  , command <code class="force-command">{target.command}</code>
                </>
              )}
              {target.source !== null && <> (named by {target.source})</>}
            </p>
            <p class="muted">
              If it is not {service.name}, cancel, and stop that process or remove the stale file instead.
            </p>
          </>
        ) : service.reason.includes("--force") ? (
          <p>
            upkeep cannot prove that a process is {service.name}'s; its refusal below names the process a
            forced start takes over.
          </p>
        ) : (
          <p>
            No pidfile or record names a process that upkeep cannot tie to {service.name} now: the force
            overrides nothing, and a plain start does the same.
          </p>
        )}
        <p class="reason-full">{service.reason}</p>
        <div class="actions">
          <button ref={cancel} onClick={onCancel}>
            Cancel
          </button>
          <button class="danger" onClick={onConfirm} data-action="confirm-force">
            {target ? `Take over PID ${target.pid}` : "Start anyway"}
          </button>
        </div>
      </div>
    </div>
  );
}
