/**
 * Colour for terminals only: on when stdout is a TTY, never when piped, and never with
 * NO_COLOR set or TERM=dumb (https://no-color.org).
 */
import type { OutStream } from "../io.js";

export type Paint = (text: string) => string;

/** True when output to `stream` may carry ANSI colour codes. */
export function colourEnabled(stream: OutStream, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && env.NO_COLOR === undefined && env.TERM !== "dumb";
}

function ansi(code: number): Paint {
  return (text) => `\u001b[${code}m${text}\u001b[0m`;
}

export const GREEN = ansi(32);
export const RED = ansi(31);
export const YELLOW = ansi(33);
export const DIM = ansi(2);
