/**
 * What a command may touch of its surroundings: the output streams, the environment, the
 * working directory and a way to learn of Ctrl-C. main.ts builds the real one; tests build
 * one with collecting streams and their own abort signal.
 */

/** A stream a command writes to (process.stdout in real use). */
export interface OutStream {
  write(chunk: string | Uint8Array): boolean;
  isTTY?: boolean;
}

export interface CliIo {
  stdout: OutStream;
  stderr: OutStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /**
   * A signal aborted on Ctrl-C (SIGINT) or SIGTERM. Only follow modes ask for it: asking
   * installs the handlers, so other commands keep the default "Ctrl-C ends the process".
   */
  interruptSignal(): AbortSignal;
}

/** Writes one line (a newline is added) to the stream. */
export function writeLine(stream: OutStream, line: string): void {
  stream.write(`${line}\n`);
}
