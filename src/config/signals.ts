/**
 * Signal names in the config: checked against the signals this kernel and Node know
 * (os.constants.signals), accepted with or without the SIG prefix and in any case, and
 * normalised to the SIGxxx form that process.kill takes.
 */
import { constants } from "node:os";

const KNOWN = Object.keys(constants.signals) as NodeJS.Signals[];

/** A short list for messages; the full set is os.constants.signals. */
export const SIGNAL_EXPECTED =
  "a signal name such as SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1 or SIGUSR2, with or without SIG";

/** The SIGxxx name for `text` ("term", "SIGTERM", "Term"), or undefined when it names no signal. */
export function normaliseSignal(text: string): NodeJS.Signals | undefined {
  const upper = text.trim().toUpperCase();
  const name = upper.startsWith("SIG") ? upper : `SIG${upper}`;
  return KNOWN.find((known) => known === name);
}
