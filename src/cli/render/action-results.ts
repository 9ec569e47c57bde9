/**
 * The `--json` answer of the commands that act (start, stop, restart, reload, reset,
 * shutdown): one object per service, the same shape for each, so a script reads
 * `.results[] | select(.ok | not)` whatever the command. Documented in docs/cli/start.md.
 */
import type { ActionResultJson } from "../../api/wire.js";
import { UpkeepError } from "../../core/errors.js";
import type { OutStream } from "../io.js";

/** Why a service's action did not succeed: a catalogue code, the message and the fix. */
export interface ResultErrorJson {
  code: string;
  message: string;
  hint?: string;
}

export interface ServiceResultJson {
  service: string;
  ok: boolean;
  action: string;
  state: string;
  pid: number | null;
  /** The line the command prints without --json. */
  message: string;
  error?: ResultErrorJson;
}

export interface ActionResultsJson {
  results: ServiceResultJson[];
  /** The whole request failed before any service was acted on (daemon down, unknown NAME). */
  error?: ResultErrorJson;
}

/** One daemon result as a service result; a failure without its own code is SERVICE_ACTION_FAILED. */
export function toServiceResult(
  action: string,
  result: ActionResultJson & { code?: string },
): ServiceResultJson {
  const base = {
    service: result.name,
    ok: result.ok,
    action,
    state: result.state,
    pid: result.pid,
    message: result.message,
  };
  if (result.ok) return base;
  const error: ResultErrorJson = { code: result.code ?? "SERVICE_ACTION_FAILED", message: result.message };
  if (result.hint !== undefined) error.hint = result.hint;
  return { ...base, error };
}

/** Prints the results as one JSON document (a line). */
export function writeResultsJson(stream: OutStream, body: ActionResultsJson): void {
  stream.write(`${JSON.stringify(body)}\n`);
}

/**
 * A request that failed whole, as JSON on stdout, so a script piping to jq still reads an
 * object; the caller rethrows the error, so stderr and the exit code stay what they are.
 */
export function writeFailedRequestJson(stream: OutStream, err: unknown): void {
  if (!(err instanceof UpkeepError)) return;
  const error: ResultErrorJson = { code: err.code, message: err.message };
  if (err.hint !== undefined) error.hint = err.hint;
  writeResultsJson(stream, { results: [], error });
}
